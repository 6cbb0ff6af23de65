"""CUDA graphs: run work on a private capture stream, capture it once, replay it.

Arrays only: this module knows CuPy streams, memory pools and our cuBLAS handle, never tensors,
layers or models (the training step that is captured lives in ``cuflow.trainers.captured_step``).

:class:`CudaGraphRunner` runs work on one non-blocking stream, ordered with the caller's stream
by events (the caller produces, and frees, the arrays the work reads). A capture allocates from
a memory pool private to the runner and used by nothing else, kept alive with the graphs: every
intermediate array a graph writes stays reserved for it, which is what keeping a reference to
each one would achieve. CuPy 14 refuses its own cuBLAS calls during capture, so our cuBLAS
handle is created on the capture stream before capturing (creating one is not capturable).
"""

from __future__ import annotations

import contextlib


def device_index(device) -> int:
    """The GPU index of a device string: ``"gpu:1"`` -> 1, ``"gpu"`` -> 0."""
    text = str(device)
    return int(text.split(":", 1)[1]) if ":" in text else 0


class CudaGraphRunner:
    """Runs work on one non-blocking capture stream of GPU ``device_id``; captures graphs on it
    and launches them there."""

    def __init__(self, device_id):
        import cupy as cp

        self.cp = cp
        self.device_id = device_id
        with cp.cuda.Device(device_id):
            self.stream = cp.cuda.Stream(non_blocking=True)
            self.pool = cp.cuda.MemoryPool()  # private to the graphs (see module docstring)
        self.graphs = []

    @contextlib.contextmanager
    def _on_stream(self, private=False):
        cp = self.cp
        with cp.cuda.Device(self.device_id):
            caller = cp.cuda.get_current_stream()
            self.stream.wait_event(caller.record())
            try:
                with self.stream:
                    if private:
                        with cp.cuda.using_allocator(self.pool.malloc):
                            yield
                    else:
                        yield
            finally:
                caller.wait_event(self.stream.record())

    def run(self, fn, private=False):
        """``fn()`` on the capture stream (``private``: allocating from the graphs' pool)."""
        with self._on_stream(private):
            return fn()

    def capture(self, fn):
        """Capture the device work ``fn()`` launches into a graph (its host side runs once)."""
        from . import cublas

        with self._on_stream(private=True):
            try:
                cublas.handle_for(self.stream)  # before capture: creating one is not capturable
            except Exception:  # no libcublas: matmul uses cupy.matmul and the capture says so
                pass
            self.stream.begin_capture()
            try:
                fn()
            except BaseException:
                with contextlib.suppress(Exception):
                    self.stream.end_capture()
                raise
            graph = self.stream.end_capture()
        self.graphs.append(graph)
        return graph

    def launch(self, graph, before):
        """``before()`` (copies into the graph's input buffers), then replay ``graph``, both on
        the capture stream."""
        with self._on_stream():
            before()
            graph.launch(self.stream)
