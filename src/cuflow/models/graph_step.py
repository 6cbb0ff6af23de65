"""Choosing the training-step function: eager, or a captured CUDA graph on the GPU.

``compile(jit_compile=...)``: True or "auto" capture on the GPU; the CPU always runs eagerly.

:class:`CapturedTrainStep` runs the first ``WARMUP`` steps eagerly (they build optimizer state,
metrics, compile kernels and create the cuBLAS handle of the capture stream), then captures one
step on a non-blocking stream into a CUDA graph that reads the batch from static device buffers,
and replays it for every later batch of the same shapes. Before each replay the batch is copied
into the static buffers and the optimizer writes this step's scalars (learning rate from the
schedule, bias corrections) into its device array; after it the host step counter advances.
Dropout draws from a device-side counter (``backend/counter_rng.py``), so replays draw fresh
masks and match eager runs mask for mask.

Memory: the capture allocates from a private CuPy memory pool used by nothing else, kept alive
with the graph; every intermediate array the graph writes stays reserved for it, which is what
keeping a reference to each one would achieve.

Never break training: a batch of another shape (the last partial batch), a model that asks for
eager steps (``model._eager_step_required``, NaN bundles), an optimizer without a fused
device-scalar path, or a capture that raises all run the eager ``train_step`` (a capture failure
is logged once with its reason and the wrapper stays eager).
"""

from __future__ import annotations

import contextlib
import logging

import numpy as np

log = logging.getLogger("cuflow")

WARMUP = 2


def jit_enabled(model) -> bool:
    flag = getattr(model, "_jit_compile", "auto")
    return flag in (True, "auto") and str(model.device).startswith("gpu")


def train_function(model, data):
    """A callable ``(x, y, sample_weight)`` running one training step."""
    if not jit_enabled(model):
        return model._train_step
    try:
        runner = CudaGraphRunner(_device_index(model.device))
    except Exception as exc:  # no CuPy graph support: train eagerly
        log.warning("cuflow: training eagerly, CUDA graphs unavailable: %s", exc)
        return model._train_step
    return CapturedTrainStep(model, runner)


def _device_index(device) -> int:
    text = str(device)
    return int(text.split(":", 1)[1]) if ":" in text else 0


# ---- what a step looks like -----------------------------------------------------------------

def _leaf_array(a):
    return a.data if hasattr(a, "data") and hasattr(a, "_backend") else a


def signature(obj):
    """Hashable structure + shapes + dtypes of a batch component (None stays None)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return ("d", tuple((k, signature(v)) for k, v in sorted(obj.items())))
    if isinstance(obj, (list, tuple)):
        return ("l", tuple(signature(v) for v in obj))
    arr = _leaf_array(obj)
    return (tuple(arr.shape), str(arr.dtype))


def _leaves(obj):
    if obj is None:
        return []
    if isinstance(obj, dict):
        return [leaf for k in sorted(obj) for leaf in _leaves(obj[k])]
    if isinstance(obj, (list, tuple)):
        return [leaf for v in obj for leaf in _leaves(v)]
    return [obj]


def _static_like(obj):
    """Fresh device buffers with ``obj``'s structure (Tensors stay Tensors)."""
    from ..tensor import Tensor

    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: _static_like(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_static_like(v) for v in obj)
    arr = _leaf_array(obj)
    buf = arr.copy()  # same shape/dtype, C-contiguous
    if arr is not obj:
        return Tensor._wrap(buf, backend=obj._backend)
    return buf


def _copy_into(static, batch):
    for dst, src in zip(_leaves(static), _leaves(batch)):
        _leaf_array(dst)[...] = _leaf_array(src)


def optimizer_replayable(opt) -> bool:
    """True when the optimizer's last step ran the fused update, whose scalars live on the
    device (so a replay can be given the next step's learning rate and bias corrections)."""
    return bool(getattr(opt, "_fused_last", False))


def capture_blockers(model):
    """Why this model's step cannot be captured (a string), or None."""
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return "the model has no optimizer"
    if not optimizer_replayable(opt):
        why = getattr(opt, "_fused_reason", None) or "not eligible"
        return (f"optimizer {type(opt).__name__} has no fused device-scalar update ({why}); "
                "its per-step scalars would be frozen in the graph")
    if getattr(opt, "use_ema", False):
        return "use_ema updates depend on the host step counter"
    return None


def eager_requested(model):
    """Per-call reasons to run this step eagerly (debugging hooks, callbacks)."""
    if getattr(model, "_nan_bundle_path", None):
        return "nan_bundle reads the loss on the host every step"
    if getattr(model, "_eager_step_required", False):
        return "model._eager_step_required is set"
    return None


# ---- the real capture -----------------------------------------------------------------------

class CudaGraphRunner:
    """Runs work on one non-blocking capture stream, ordered with the caller's stream by events
    (the batch is produced, and freed, on the caller's stream)."""

    def __init__(self, device_id):
        import cupy as cp

        self.cp = cp
        self.device_id = device_id
        with cp.cuda.Device(device_id):
            self.stream = cp.cuda.Stream(non_blocking=True)
            self.pool = cp.cuda.MemoryPool()  # private to the graph (see module docstring)
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
        with self._on_stream(private):
            return fn()

    def capture(self, fn):
        from ..backend import cublas

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
        with self._on_stream():
            before()
            graph.launch(self.stream)


# ---- the wrapper ----------------------------------------------------------------------------

class CapturedTrainStep:
    """``step(x, y, sample_weight)``: eager warm-up, then capture once and replay."""

    def __init__(self, model, runner, warmup=WARMUP):
        self.model = model
        self.runner = runner
        self.warmup = warmup
        self.eager_steps = 0
        self.replays = 0
        self.disabled = None  # reason, once capture is given up for good
        self._graph = None
        self._key = None
        self._static = None
        self._logged = set()

    def _log_once(self, level, msg):
        if msg not in self._logged:
            self._logged.add(msg)
            log.log(level, "cuflow: %s", msg)

    def _eager(self, x, y, sw, private=False):
        self.eager_steps += 1
        return self.runner.run(lambda: self.model._train_step(x, y, sw), private=private)

    def __call__(self, x, y=None, sample_weight=None):
        model = self.model
        if self.disabled:
            return self._eager(x, y, sample_weight)
        why = eager_requested(model)
        if why:
            self._log_once(logging.INFO, f"eager training step: {why}")
            return self._eager(x, y, sample_weight)
        key = (signature(x), signature(y), signature(sample_weight))
        if self._graph is not None:
            if key == self._key:
                return self._replay(x, y, sample_weight)
            self._log_once(logging.DEBUG, f"eager step for a batch of other shapes {key}")
            return self._eager(x, y, sample_weight)
        if self.eager_steps < self.warmup:
            # the last warm-up step fills the graph's private pool, so the capture that
            # follows reuses its blocks instead of allocating
            last = self.eager_steps == self.warmup - 1
            return self._eager(x, y, sample_weight, private=last)
        why = capture_blockers(model)
        if why:
            return self._give_up(why, x, y, sample_weight)
        return self._capture_and_run(key, x, y, sample_weight)

    def _give_up(self, why, x, y, sw):
        self.disabled = why
        self._log_once(logging.WARNING, f"training eagerly, not as a CUDA graph: {why}")
        return self._eager(x, y, sw)

    def _capture_and_run(self, key, x, y, sw):
        model, opt = self.model, self.model.optimizer
        static = (_static_like(x), _static_like(y), _static_like(sw))
        it = int(np.asarray(opt.iterations.data))
        try:
            graph = self.runner.capture(lambda: model._train_step(*static))
        except Exception as exc:
            opt.iterations.data[...] = it
            return self._give_up(f"capture failed ({type(exc).__name__}: {exc})", x, y, sw)
        # capturing ran the host side of the step once but executed nothing on the device
        opt.iterations.data[...] = it
        if not optimizer_replayable(opt):
            return self._give_up("the optimizer left its fused path during capture", x, y, sw)
        self._graph, self._key, self._static = graph, key, static
        return self._replay(x, y, sw)

    def _replay(self, x, y, sw):
        opt = self.model.optimizer
        batch = (x, y, sw)

        def before():
            _copy_into(self._static, batch)
            opt._fused_prepare_replay()

        self.runner.launch(self._graph, before)
        opt.iterations.data += 1
        self.replays += 1
