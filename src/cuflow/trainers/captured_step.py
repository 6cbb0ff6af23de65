"""The Keras-level captured step: fit's, evaluate's and predict's step functions, eager or a
captured CUDA graph on the GPU (the capture and replay of arrays is
``cuflow.backend.cuda.graph.CudaGraphRunner``; this module decides what to capture and when).

``compile(jit_compile=...)``: True or "auto" capture on the GPU; the CPU always runs eagerly.
:class:`CapturedTestStep` and :class:`CapturedPredictStep` work as the training step below, with
no optimizer scalars (predict returns a copy of the replay's outputs).

:class:`CapturedTrainStep` runs the first ``WARMUP`` steps eagerly (they build optimizer state,
metrics, compile kernels and create the cuBLAS handle of the capture stream), then captures one
step on a non-blocking stream into a CUDA graph that reads the batch from static device buffers,
and replays it for every later batch of the same shapes. Before each replay the batch is copied
into the static buffers and the optimizer writes this step's scalars (learning rate from the
schedule, bias corrections) into its device array; after it the host step counter advances.
Dropout draws from a device-side counter (``backend/cuda/random.py``), so replays draw fresh
masks and match eager runs mask for mask.

Memory: the capture allocates from the runner's private memory pool, kept alive with the graph.

Never break training: a batch of another shape (the last partial batch), a model that asks for
eager steps (``model._eager_step_required``, fit's loss check for NaN bundles), an optimizer
without a fused
device-scalar path, or a capture that raises all run the eager ``train_step`` (a capture failure
is logged once with its reason and the wrapper stays eager).
"""

from __future__ import annotations

import logging

import numpy as np

from ..backend.cuda.graph import CudaGraphRunner, device_index
from ..tensor import Tensor
from ..tree import flatten

log = logging.getLogger("cuflow")

WARMUP = 2


def jit_enabled(model) -> bool:
    if getattr(model, "run_eagerly", False):
        return False
    flag = getattr(model, "_jit_compile", "auto")
    return flag in (True, "auto") and str(model.device).startswith("gpu")


def _captured(model, eager, wrapper):
    if not jit_enabled(model):
        return eager
    try:
        runner = CudaGraphRunner(device_index(model.device))
    except Exception as exc:  # no CuPy graph support: run eagerly
        log.warning("cuflow: running eagerly, CUDA graphs unavailable: %s", exc)
        return eager
    return wrapper(model, runner)


def train_function(model, data=None):
    """A callable ``(x, y, sample_weight)`` running one training step."""
    return _captured(model, model._train_step, CapturedTrainStep)


def test_function(model):
    """A callable ``(x, y, sample_weight)`` running one evaluation step (metrics on device)."""
    return _captured(model, model._test_step, CapturedTestStep)


def predict_function(model):
    """A callable ``(x)`` returning the model's outputs for one batch."""
    return _captured(model, model._predict_step, CapturedPredictStep)


def batch_count(data):
    """The number of batches of ``data`` (infinity for a generator of unknown length)."""
    try:
        return len(data)
    except TypeError:
        return float("inf")


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


def _static_like(obj):
    """Fresh device buffers with ``obj``'s structure (Tensors stay Tensors)."""
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
    pairs = zip(flatten(static, skip_none=True, sort_keys=True),
                flatten(batch, skip_none=True, sort_keys=True))
    for dst, src in pairs:
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
    if hasattr(opt, "inner_optimizer") and hasattr(opt, "loss_scale"):
        return ("LossScaleOptimizer decides on the host whether to skip a step (its gradients "
                "are checked for Inf/NaN and its loss scale is a host number)")
    if not optimizer_replayable(opt):
        why = getattr(opt, "_fused_reason", None) or "not eligible"
        return (f"optimizer {type(opt).__name__} has no fused device-scalar update ({why}); "
                "its per-step scalars would be frozen in the graph")
    if getattr(opt, "use_ema", False):
        return "use_ema updates depend on the host step counter"
    return None


def eager_requested(model):
    """Per-call reasons to run this step eagerly (debugging hooks, callbacks)."""
    if getattr(model, "_loss_check", None) is not None:
        return "nan_bundle reads the loss on the host every step"
    if getattr(model, "_eager_step_required", False):
        return "model._eager_step_required is set"
    return None


# ---- the wrappers ---------------------------------------------------------------------------

def _state_holders(model):
    """What owns every device buffer a captured step reads or writes in place: the weight and
    optimizer Variables and the metrics' state dicts. A CUDA graph holds the buffers'
    addresses, so none may be replaced while the graph lives (walked once per capture)."""
    variables = list(model.weights)
    opt = getattr(model, "optimizer", None)
    variables += list(getattr(opt, "variables", None) or [])
    named = model._named_metrics() if hasattr(model, "_named_metrics") else []
    states = [m._state for _, m in named if isinstance(getattr(m, "_state", None), dict)]
    return variables, states


def _state_key(holders):
    """Identity of the buffers behind ``holders`` (cheap enough to check before every replay)."""
    variables, states = holders
    return (tuple([id(v.data) for v in variables]),
            tuple([id(a) for d in states for a in d.values()]))


def _copy_out(obj):
    """A fresh copy of a replay's outputs (the next replay overwrites the static ones)."""
    if isinstance(obj, dict):
        return {k: _copy_out(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_copy_out(v) for v in obj)
    if isinstance(obj, Tensor):
        return Tensor._wrap(obj.data.copy(), backend=obj._backend)
    return obj


def _where(exc):
    """`` at file:line`` of the innermost cuflow frame of ``exc``'s traceback: where the step
    did something a capture refuses (a host read, a library call CuPy will not capture)."""
    import os
    import traceback

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename).startswith(root)
              and not f.filename.endswith("captured_step.py")]
    if not frames:
        return ""
    f = frames[-1]
    return f" at {os.path.relpath(f.filename, os.path.dirname(root))}:{f.lineno} in {f.name}"


class _CapturedStep:
    """Eager warm-up, then capture one step once and replay it for batches of the same shapes.

    Subclasses name the eager step (``_step``), what blocks a capture, and what surrounds a
    replay. A batch of other shapes runs eagerly; buffers replaced behind the graph's back
    (``model.to``, a metric rebuilt) trigger a fresh capture, at most ``MAX_RECAPTURES`` times.
    """

    MAX_RECAPTURES = 3

    def __init__(self, model, runner, warmup=WARMUP):
        self.model = model
        self.runner = runner
        self.warmup = warmup
        self.eager_steps = 0
        self.replays = 0
        self.captures = 0
        self.disabled = None  # reason, once capture is given up for good
        self._graph = None
        self._key = None
        self._static = None
        self._outputs = None
        self._state = None
        self._holders = None
        self._logged = set()

    # what a subclass defines
    def _step(self, *batch):
        raise NotImplementedError

    def _blockers(self):
        return None

    def _before_replay(self):
        pass

    def _after_replay(self):
        pass

    def _host_state(self):
        return None

    def _restore_host_state(self, saved):
        pass

    # the machinery
    def _log_once(self, level, msg):
        if msg not in self._logged:
            self._logged.add(msg)
            log.log(level, "cuflow: %s", msg)

    def _eager(self, batch, private=False):
        self.eager_steps += 1
        return self.runner.run(lambda: self._step(*batch), private=private)

    def __call__(self, *batch):
        if self.disabled:
            return self._eager(batch)
        if any(isinstance(a, np.ndarray) and a.dtype.kind in "USO" for a in flatten(batch)):
            # text inputs are read on the host by the model's text layers: nothing to capture
            self._log_once(logging.INFO, f"eager {self.kind} step: the batch holds text")
            return self._eager(batch)
        why = eager_requested(self.model)
        if why:
            self._log_once(logging.INFO, f"eager {self.kind} step: {why}")
            return self._eager(batch)
        key = tuple(signature(b) for b in batch)
        if self._graph is not None:
            if key != self._key:
                self._log_once(logging.DEBUG, f"eager {self.kind} step for a batch of other "
                                              f"shapes {key}")
                return self._eager(batch)
            if _state_key(self._holders) == self._state:
                return self._replay(batch)
            self._graph = None
            if self.captures > self.MAX_RECAPTURES:
                return self._give_up("state buffers keep being replaced between steps", batch)
            self._log_once(logging.INFO, f"{self.kind} step recaptured: model state buffers "
                                         "were replaced")
            return self._capture_and_run(key, batch)
        if self.eager_steps < self.warmup:
            # the last warm-up step fills the graph's private pool, so the capture that
            # follows reuses its blocks instead of allocating
            return self._eager(batch, private=self.eager_steps == self.warmup - 1)
        why = self._blockers()
        if why:
            return self._give_up(why, batch)
        return self._capture_and_run(key, batch)

    def _give_up(self, why, batch):
        self.disabled = why
        self._log_once(logging.WARNING, f"{self.kind} steps run eagerly, not as a CUDA graph: "
                                        f"{why}")
        return self._eager(batch)

    def _capture_and_run(self, key, batch):
        static = tuple(_static_like(b) for b in batch)
        saved = self._host_state()

        def body():
            # the arrays the captured step returns are the buffers every replay writes
            self._outputs = self._step(*static)

        try:
            graph = self.runner.capture(body)
        except Exception as exc:
            self._restore_host_state(saved)
            return self._give_up(f"capture failed ({type(exc).__name__}: {exc}"
                                 f"{_where(exc)})", batch)
        # capturing ran the host side of the step once but executed nothing on the device
        self._restore_host_state(saved)
        why = self._blockers()
        if why:
            return self._give_up(f"after capture: {why}", batch)
        self.captures += 1
        self._graph, self._key, self._static = graph, key, static
        self._holders = _state_holders(self.model)
        self._state = _state_key(self._holders)
        return self._replay(batch)

    def _replay(self, batch):
        def before():
            _copy_into(self._static, batch)
            self._before_replay()

        self.runner.launch(self._graph, before)
        self._after_replay()
        self.replays += 1
        return None if self._outputs is None else _copy_out(self._outputs)


class CapturedTrainStep(_CapturedStep):
    """``step(x, y, sample_weight)``: fit's step. The optimizer's device scalars (learning rate,
    bias corrections) are written before each replay; the host step counter advances after."""

    kind = "training"

    def _step(self, x, y=None, sample_weight=None):
        self.model._train_step(x, y, sample_weight)

    def __call__(self, x, y=None, sample_weight=None):
        return super().__call__(x, y, sample_weight)

    def _blockers(self):
        return capture_blockers(self.model)

    def _host_state(self):
        return int(np.asarray(self.model.optimizer.iterations.data))

    def _restore_host_state(self, saved):
        self.model.optimizer.iterations.data[...] = saved

    def _before_replay(self):
        self.model.optimizer._fused_prepare_replay()

    def _after_replay(self):
        self.model.optimizer.iterations.data += 1


class CapturedTestStep(_CapturedStep):
    """``step(x, y, sample_weight)``: evaluate's step; metrics accumulate on the device."""

    kind = "evaluation"

    def _step(self, x, y=None, sample_weight=None):
        self.model._test_step(x, y, sample_weight)

    def __call__(self, x, y=None, sample_weight=None):
        return super().__call__(x, y, sample_weight)


class CapturedPredictStep(_CapturedStep):
    """``step(x)``: predict's step; returns a copy of the replay's outputs."""

    kind = "prediction"

    def _step(self, x):
        return self.model._predict_step(x)

    def __call__(self, x):
        return super().__call__(x)
