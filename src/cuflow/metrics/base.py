"""``Metric`` and the reducing metrics every other metric builds on (Mean, Sum, wrappers).

State lives in 0-d (or small) float64 arrays on the device of the first ``y_pred`` seen and is
updated in place, so an update is a few device kernels and no host synchronisation; ``result()``
hands back a 0-d Tensor on that device, and only reading it (``float(t)``) syncs. float64 state
keeps counts exact past 2**24 samples; results are cast to the metric's ``dtype`` (float32).
The math goes through ``cuflow.ops`` on Tensors, so every metric runs on every device.
"""

from __future__ import annotations

import re

import numpy as np

from .. import ops
from ..backend import device as on_device
from ..backend import get_device
from ..tensor import Tensor
from ._inputs import add_to, on, sum64, tensors, to_samplewise, to_tensors


def snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Metric:
    """Base class: ``update_state`` accumulates, ``result`` reads, ``reset_state`` clears.

    Subclasses declare state with ``add_variable(name, shape, initializer)`` in ``__init__``,
    update ``self._state[name]`` in place (``add_to``) so the arrays keep their device addresses
    (what a captured CUDA graph replays against), and compute the result in ``_result``.
    """

    #: "up" when bigger is better, "down" when smaller is; callbacks' mode="auto" reads it
    _direction = None

    def __init__(self, name=None, dtype=None):
        self.name = name if name is not None else snake_case(type(self).__name__)
        self.dtype = np.dtype(dtype if dtype is not None else "float32").name
        if np.dtype(self.dtype).kind != "f":  # state accumulates means: floats only
            raise TypeError(f"metric {self.name!r}: dtype must be a floating dtype; received "
                            f"{dtype!r}")
        self._specs = {}  # name -> (shape, initial value)
        self._state = {}  # name -> array on self._device, created on first use
        self._device = None

    # ---- state ---------------------------------------------------------------------------
    def add_variable(self, name, shape=(), initializer=0.0):
        self._specs[name] = (tuple(shape), float(initializer))

    def _ensure_state(self, device=None):
        """State on ``device`` (default: where it is, or the current device)."""
        if device is None:
            device = self._device if self._device is not None else get_device()
        if device == self._device and len(self._state) == len(self._specs):
            return self._state
        old, old_device = self._state, self._device
        new = {}
        for name, (shape, init) in self._specs.items():
            if name in old and old_device == device:
                new[name] = old[name]
            elif name in old:  # moving devices: one explicit copy, only when y_pred moves
                new[name] = Tensor._wrap(old[name]).to(device).data
            else:
                with on_device(device):
                    new[name] = ops.full(shape, init, dtype="float64").data
        self._state, self._device = new, device
        return new

    def reset_state(self):
        for name, (_shape, init) in self._specs.items():
            if name in self._state:
                self._state[name].fill(init)  # in place: the arrays keep their addresses

    @property
    def variables(self):
        state = self._ensure_state()
        return [Tensor._wrap(state[n]) for n in self._specs]

    # ---- protocol ------------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def _result(self, xp, state):
        """The result (a Tensor) from ``state``, the state arrays by name (subclasses).

        ``result()`` passes the metric's own state; ``cuflow.distribute`` passes the sums over
        its ranks, with their array module as ``xp`` (unused here: the metrics go through ops).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def result(self):
        state = self._ensure_state()
        with on_device(self._device):  # what _result creates lives beside the state
            return ops.cast(self._result(None, state), self.dtype)

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


class _Reduce(Metric):
    _reduce = None  # "mean" or "sum": how values are reduced to one per sample

    def _accumulate(self, values, sample_weight):
        state = self._ensure_state(values.device)
        values = ops.cast(values, self.dtype)
        reduce = ops.mean if self._reduce == "mean" else ops.sum
        values, sw = to_samplewise(values, sample_weight, reduce)
        add_to(state["total"], sum64(values))
        if "count" in state:
            if sw is not None:
                add_to(state["count"], sum64(sw))
            else:
                add_to(state["count"], values.shape[0] if values.ndim else 1)


class Sum(_Reduce):
    """The (weighted) sum of every value seen."""

    _reduce = "sum"

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable("total")

    def update_state(self, values, sample_weight=None):
        _, values, sw = to_tensors(None, values, sample_weight, need_true=False)
        self._accumulate(values, sw)

    def _result(self, xp, state):
        return tensors(state)["total"]


class Mean(_Reduce):
    """The (weighted) mean of every value seen; values of rank > 1 are averaged per sample first."""

    _reduce = "mean"

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable("total")
        self.add_variable("count")

    def update_state(self, values, sample_weight=None):
        _, values, sw = to_tensors(None, values, sample_weight, need_true=False)
        self._accumulate(values, sw)

    def _result(self, xp, state):
        s = tensors(state)
        return ops.divide_no_nan(s["total"], s["count"])

    def update_scalar(self, value, weight):
        """The training loop's fast path: one 0-d Tensor ``value`` counted ``weight`` times
        (the loss of a batch of ``weight`` samples), accumulated on its device."""
        state = self._ensure_state(value.device)
        add_to(state["total"], value, scale=float(weight))
        add_to(state["count"], float(weight))


def functional(raw):
    """A public metric function ``fn(y_true, y_pred, **kw) -> Tensor`` around an array version.

    ``raw(y_true, y_pred, **kw)`` works on Tensors already on one device; MeanMetricWrapper calls
    it directly (``fn._raw``) so built-in metrics convert their inputs once per update.
    """
    def fn(y_true, y_pred, **kwargs):
        yt, yp, _ = to_tensors(y_true, y_pred)
        return raw(yt, yp, **kwargs)

    fn.__name__ = fn.__qualname__ = raw.__name__.lstrip("_")
    fn.__doc__ = raw.__doc__
    fn.__module__ = "cuflow.metrics"
    fn._raw = raw
    return fn


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)`` per sample.

    ``fn`` is a cuflow metric function or any callable taking and returning cuflow Tensors
    (user functions get Tensors on y_pred's device).
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name if name is not None else getattr(fn, "__name__", "mean"),
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def _values(self, yt, yp):
        raw = getattr(self._fn, "_raw", None)
        if raw is not None:
            return raw(yt, yp, **self._fn_kwargs)
        return on(yp.device, self._fn(yt, yp, **self._fn_kwargs), "the metric function's result")

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        self._accumulate(self._values(yt, yp), sw)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:  # subclasses fix fn; only the wrapper names it
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper and isinstance(config.get("fn"), str):
            from .registry import get_function

            config["fn"] = get_function(config["fn"])
        return cls(**config)
