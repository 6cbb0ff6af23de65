"""The simulated device's capture: what ``backend/cuda/graph.py``'s ``CudaGraphRunner`` captures
is replayed on the same memory and nothing executes while capturing; each capture-safety check
(host synchronisation, a host-to-device copy, an allocation outside the runner's private pool,
device work on another stream, a cuBLAS call outside our handle) catches a deliberately unsafe
step, both under the runner directly and in ``fit`` (where the captured step gives up, says
why and where, and trains eagerly)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import cuflow as cf
from cuflow.backend.cuda import cublas
from cuflow.backend.cuda.graph import CudaGraphRunner
from cuflow.layers import Dense, Input, Layer
from cuflow.models import Sequential

from ._fake_runtime import CaptureViolation, GraphMemoryError


def test_a_graph_replays_device_work_on_the_same_memory(sim_gpu):
    cp = sim_gpu.cupy
    runner = CudaGraphRunner(0)
    a = cp.zeros(3, dtype=cp.float32)
    w = cp.asarray(np.ones((3, 2), np.float32))
    host = []

    def step():
        host.append(1)
        a[...] += 1
        out = cublas.matmul(a.reshape(1, 3), w)  # our handle: captured
        a[...] = out[0, 0] / 3

    graph = runner.capture(step)
    assert host == [1] and a.get().tolist() == [0, 0, 0]  # nothing ran on the device
    runner.launch(graph, lambda: None)
    runner.launch(graph, lambda: None)
    assert host == [1] and a.get().tolist() == [2, 2, 2]  # (0+1)*3/3 = 1, then (1+1)*3/3
    assert "cublasGemmEx" in graph.names()


def test_a_graph_using_a_buffer_freed_after_the_capture(sim_gpu):
    """A CUDA graph holds addresses: an array it uses that dies after the capture gives its
    memory back to the pool, and the next replay would write into whatever gets it next."""
    cp = sim_gpu.cupy
    runner = CudaGraphRunner(0)
    a, acc = cp.ones(4, np.float32), [cp.zeros(4, np.float32)]  # the default pool
    graph = runner.capture(lambda: acc[0].__iadd__(a))
    runner.launch(graph, lambda: None)
    acc.clear()
    with pytest.raises(GraphMemoryError, match="freed after the capture and is now free"):
        runner.launch(graph, lambda: None)
    again = cp.zeros(4, np.float32)  # noqa: F841 - the same block, handed out again
    with pytest.raises(GraphMemoryError, match="is now handed out again"):
        runner.launch(graph, lambda: None)


def _capture(sim_gpu, fn):
    runner = CudaGraphRunner(0)
    x = sim_gpu.cupy.arange(6, dtype=np.float32).reshape(2, 3)
    return runner, lambda: runner.capture(lambda: fn(sim_gpu.cupy, x))


UNSAFE = {
    "asnumpy": (lambda cp, x: cp.asnumpy(x), "host synchronisation.*asnumpy|\\.get\\(\\)"),
    "get": (lambda cp, x: x.sum().get(), r"host synchronisation.*\.get\(\)"),
    "float": (lambda cp, x: float(x.sum()), r"host synchronisation.*float\(\)"),
    "bool": (lambda cp, x: bool((x > 0).all()), r"host synchronisation.*bool\(\)"),
    "item": (lambda cp, x: x.max().item(), r"host synchronisation.*\.item\(\)"),
    "mask": (lambda cp, x: x[x > 1], "host synchronisation.*boolean-mask"),
    "nonzero": (lambda cp, x: cp.nonzero(x), "host synchronisation.*cupy.nonzero"),
    "synchronize": (lambda cp, x: cp.cuda.get_current_stream().synchronize(),
                    "host synchronisation.*Stream.synchronize"),
    "h2d": (lambda cp, x: x + cp.asarray(np.ones(3, np.float32)),
            "host-to-device copy of 12 bytes"),
    "default pool": (lambda cp, x: _with(cp.cuda.using_allocator(None), lambda: x * 2),
                     "allocation of .* bytes from <fake the default memory pool>"),
    "null stream": (lambda cp, x: _with(cp.cuda.Stream.null, lambda: x * 2),
                    "device work .* on the legacy null stream while stream"),
    "cupy.matmul": (lambda cp, x: cp.matmul(x, x.T), "cuBLAS call outside our handle.*matmul"),
    "@": (lambda cp, x: x @ x.T, "cuBLAS call outside our handle.*matmul"),
    "einsum": (lambda cp, x: cp.einsum("ij,kj->ik", x, x), "cuBLAS call outside our handle"),
    "random": (lambda cp, x: cp.random.uniform(size=3), "cupy.random.uniform while capturing"),
}


def _with(ctx, fn):
    with ctx:
        return fn()


@pytest.mark.parametrize("what", list(UNSAFE))
def test_each_unsafe_action_fails_the_capture(sim_gpu, what):
    fn, message = UNSAFE[what]
    _, capture = _capture(sim_gpu, fn)
    with pytest.raises(CaptureViolation, match=message):
        capture()
    fn(sim_gpu.cupy, sim_gpu.cupy.ones((2, 3), np.float32))  # each is fine outside a capture


def test_a_gemm_on_a_handle_bound_to_another_stream(sim_gpu, monkeypatch):
    cp = sim_gpu.cupy
    other = cp.cuda.Stream(non_blocking=True)
    a = cp.ones((2, 3), np.float32)
    cublas.handle_for(other)
    real = cublas.handle_for
    monkeypatch.setattr(cublas, "handle_for", lambda stream=None: real(other))
    with pytest.raises(CaptureViolation, match="handle bound to stream .* while stream"):
        CudaGraphRunner(0).capture(lambda: cublas.matmul(a, a.T))


def test_creating_a_cublas_handle_while_capturing(sim_gpu):
    cp = sim_gpu.cupy
    a = cp.ones((2, 3), np.float32)
    runner = CudaGraphRunner(0)
    runner._on_stream = lambda private=False: contextlib.nullcontext()  # no stream, no pool
    stream = cp.cuda.Stream(non_blocking=True)
    with stream, cp.cuda.using_allocator(cp.cuda.MemoryPool().malloc):
        stream.begin_capture()
        with pytest.raises(RuntimeError, match="no cuBLAS handle exists for the stream"):
            cublas.matmul(a, a.T)
        stream.end_capture()
    # and below cublas.py's own check, the simulated library refuses too
    with pytest.raises(CaptureViolation, match="cublasCreate_v2 while"):
        with stream, cp.cuda.using_allocator(cp.cuda.MemoryPool().malloc):
            stream.begin_capture()
            try:
                cublas._Handle(cublas._library(), stream.ptr, 0)
            finally:
                stream.end_capture()


# ---- the same checks through fit: the captured step gives up, names the violation, trains on

class Hook(Layer):
    """Identity; on the GPU, ``hook(cupy, array)`` runs on every call (the unsafe part)."""

    def __init__(self, hook=None, **kw):
        super().__init__(**kw)
        self.hook = hook

    def call(self, x):
        if self.hook is not None and str(x.device).startswith("gpu"):
            import cupy

            self.hook(cupy, x.data)
        return x


def _fit(hook=None):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 4)).astype("float32"), rng.integers(0, 3, 24)
    weights, models = None, []
    cf.utils.set_random_seed(0)
    for device in ("cpu", "gpu"):
        with cf.device(device):
            m = Sequential([Input(shape=(4,)), Dense(5, activation="relu"), Hook(hook),
                            Dense(3)])
            m.compile(optimizer=cf.optimizers.Adam(0.01), loss=cf.losses.
                      SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)
        if weights is None:
            weights = m.get_weights()
        m.set_weights(weights)
        m.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        models.append(m)
    for a, b in zip(*(m.get_weights() for m in models)):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)  # the eager fallback trains


FIT_CASES = {
    "host read": (lambda cp, a: float(a.sum()), None,
                  r"capture failed \(CaptureViolation: host synchronisation.*float\(\)"),
    "default pool": (None, "no private pool",
                     r"capture failed \(CaptureViolation: allocation of \d+ bytes from"),
    "cupy.matmul": (None, "no plan", r"CaptureViolation: cuBLAS call outside our handle while "
                                     r"capturing: cupy.matmul .* at cuflow/backend/cuda/"
                                     r"backend.py:\d+ in matmul"),
    "other stream": (lambda cp, a: _with(cp.cuda.Stream.null, lambda: a * 2), None,
                     "CaptureViolation: device work .* on the legacy null stream"),
}


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_fit_gives_up_capturing_an_unsafe_step(sim_gpu, captured_steps, monkeypatch, case):
    hook, patch, message = FIT_CASES[case]
    if patch == "no private pool":  # the runner forgets its private pool
        monkeypatch.setattr(sim_gpu.cupy.cuda, "using_allocator",
                            lambda allocator=None: contextlib.nullcontext())
    elif patch == "no plan":  # a layout cublas.py does not plan: backend falls back
        monkeypatch.setattr(cublas, "matmul", lambda a, b, out=None: None)
    _fit(hook)
    (train,) = captured_steps["training"]
    assert train.disabled is not None and not train.replays
    assert train.eager_steps == 8
    import re

    assert re.search(message, train.disabled), train.disabled
