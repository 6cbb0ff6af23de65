"""CudaGraphRunner: the order of events, streams, allocator and cuBLAS handle around a capture
and a replay, checked against a recording stand-in for CuPy; on a GPU, a real capture whose
replays recompute from fresh inputs."""

from __future__ import annotations

import contextlib
import sys
import types

import numpy as np
import pytest

from cuflow.backend.cuda import cublas, graph
from cuflow.testing import gpu_available
from cuflow.testing.parity import NO_GPU

requires_gpu = pytest.mark.skipif(not gpu_available(), reason=NO_GPU)


class FakeStream:
    def __init__(self, log, name):
        self.log, self.name, self.ptr = log, name, id(self)

    def record(self):
        self.log.append(("record", self.name))
        return self.name

    def wait_event(self, event):
        self.log.append(("wait", self.name, event))

    def __enter__(self):
        self.log.append(("enter", self.name))

    def __exit__(self, *exc):
        self.log.append(("exit", self.name))

    def begin_capture(self):
        self.log.append(("begin_capture", self.name))

    def end_capture(self):
        self.log.append(("end_capture", self.name))
        return FakeGraph(self.log)


class FakeGraph:
    def __init__(self, log):
        self.log = log

    def launch(self, stream):
        self.log.append(("launch", stream.name))


def fake_cupy(log):
    caller = FakeStream(log, "caller")
    cp = types.SimpleNamespace()
    cuda = types.SimpleNamespace(
        Device=lambda i: contextlib.nullcontext(),
        Stream=lambda non_blocking: FakeStream(log, "capture"),
        MemoryPool=lambda: types.SimpleNamespace(malloc="pool.malloc"),
        get_current_stream=lambda: caller)

    @contextlib.contextmanager
    def using_allocator(malloc):
        log.append(("allocator", malloc))
        yield
        log.append(("allocator", None))

    cuda.using_allocator = using_allocator
    cp.cuda = cuda
    return cp


@pytest.fixture
def runner(monkeypatch):
    log = []
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(log))
    monkeypatch.setattr(cublas, "handle_for", lambda stream: log.append(("handle", stream.name)))
    r = graph.CudaGraphRunner(0)
    return r, log


def test_device_index_of_device_strings():
    assert graph.device_index("gpu") == 0
    assert graph.device_index("gpu:3") == 3


def test_capture_makes_the_handle_first_and_allocates_from_the_private_pool(runner):
    r, log = runner
    g = r.capture(lambda: log.append(("work",)))
    assert r.graphs == [g]
    assert log == [("record", "caller"), ("wait", "capture", "caller"), ("enter", "capture"),
                   ("allocator", "pool.malloc"), ("handle", "capture"),
                   ("begin_capture", "capture"), ("work",), ("end_capture", "capture"),
                   ("allocator", None), ("exit", "capture"), ("record", "capture"),
                   ("wait", "caller", "capture")]


def test_a_failing_capture_ends_the_capture_and_reraises(runner):
    r, log = runner

    def boom():
        raise RuntimeError("not capturable")

    with pytest.raises(RuntimeError, match="not capturable"):
        r.capture(boom)
    assert ("end_capture", "capture") in log and r.graphs == []
    assert log[-1] == ("wait", "caller", "capture")  # the caller still waits for the stream


def test_launch_copies_in_then_replays_on_the_capture_stream(runner):
    r, log = runner
    g = r.capture(lambda: None)
    log.clear()
    r.launch(g, lambda: log.append(("copy_in",)))
    assert log == [("record", "caller"), ("wait", "capture", "caller"), ("enter", "capture"),
                   ("copy_in",), ("launch", "capture"), ("exit", "capture"),
                   ("record", "capture"), ("wait", "caller", "capture")]


def test_run_returns_the_result_and_uses_the_pool_only_when_private(runner):
    r, log = runner
    assert r.run(lambda: 7) == 7 and ("allocator", "pool.malloc") not in log
    assert r.run(lambda: 8, private=True) == 8 and ("allocator", "pool.malloc") in log


@pytest.mark.gpu
@requires_gpu
def test_gpu_replays_recompute_from_the_input_buffer():
    import cupy as cp

    r = graph.CudaGraphRunner(0)
    with cp.cuda.Device(0):
        x = cp.arange(4, dtype=cp.float32)
        out = r.run(lambda: x * 2 + 1, private=True)  # warm-up: kernels compiled
        holder = {}
        g = r.capture(lambda: holder.setdefault("y", x * 2 + 1))
        np.testing.assert_array_equal(cp.asnumpy(out), [1, 3, 5, 7])
        r.launch(g, lambda: x.fill(10))
        cp.cuda.get_current_stream().synchronize()
        np.testing.assert_array_equal(cp.asnumpy(holder["y"]), [21, 21, 21, 21])
