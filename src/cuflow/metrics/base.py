"""``Metric`` and the reducing metrics every other metric builds on (Mean, Sum, wrappers).

State lives in 0-d (or small) float64 arrays on the device of the first ``y_pred`` seen and is
updated in place, so an update is a few device kernels and no host synchronisation; ``result()``
hands back a 0-d Tensor on that device, and only reading it (``float(t)``) syncs. float64 state
keeps counts exact past 2**24 samples; results are cast to the metric's ``dtype`` (float32).
"""

from __future__ import annotations

import re

import numpy as np

from ..backend import get_backend
from ..tensor import Tensor
from ._inputs import to_arrays, to_samplewise


def snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Metric:
    """Base class: ``update_state`` accumulates, ``result`` reads, ``reset_state`` clears.

    Subclasses declare state with ``add_variable(name, shape, initializer)`` in ``__init__`` and
    update ``self._state[name]`` in place (``+=``) so the arrays keep their device addresses
    (what a captured CUDA graph replays against).
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
        self._state = {}  # name -> array on self._bk, created on first use
        self._bk = None

    # ---- state ---------------------------------------------------------------------------
    def add_variable(self, name, shape=(), initializer=0.0):
        self._specs[name] = (tuple(shape), float(initializer))

    def _ensure_state(self, bk=None):
        """State on backend ``bk`` (default: where it is, or the current device)."""
        if bk is None:
            bk = self._bk if self._bk is not None else get_backend()
        if bk is self._bk and len(self._state) == len(self._specs):
            return self._state
        old, old_bk = self._state, self._bk
        new = {}
        for name, (shape, init) in self._specs.items():
            if name in old and old_bk is bk:
                new[name] = old[name]
            elif name in old:  # moving devices: one explicit copy, only when y_pred moves
                new[name] = bk.asarray(old_bk.to_numpy(old[name]), dtype=np.float64)
            else:
                new[name] = bk.xp.full(shape, init, dtype=np.float64)
        self._state, self._bk = new, bk
        return new

    def reset_state(self):
        for name, (_shape, init) in self._specs.items():
            if name in self._state:
                self._state[name].fill(init)  # in place: the arrays keep their addresses

    @property
    def variables(self):
        state = self._ensure_state()
        return [Tensor._wrap(state[n], backend=self._bk) for n in self._specs]

    # ---- protocol ------------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def _result(self, xp, state):
        """The result as an xp array from the state dict (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def result(self):
        state = self._ensure_state()
        out = self._result(self._bk.xp, state)
        return Tensor._wrap(self._bk.xp.asarray(out).astype(self.dtype), backend=self._bk)

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


def _divide_no_nan(xp, a, b):
    """a / b, and 0 where b == 0 (Keras' divide_no_nan), without a division warning."""
    safe = xp.where(b == 0, 1.0, b)
    return xp.where(b == 0, 0.0, a / safe)


class _Reduce(Metric):
    _reduce = None  # "mean" or "sum": how values are reduced to one per sample

    def _accumulate(self, bk, values, sample_weight):
        xp = bk.xp
        state = self._ensure_state(bk)
        values = values.astype(self.dtype, copy=False)
        reduce = xp.mean if self._reduce == "mean" else xp.sum
        values, sw = to_samplewise(xp, values, sample_weight, reduce)
        state["total"] += xp.sum(values, dtype=np.float64)
        if "count" in state:
            if sw is not None:
                state["count"] += xp.sum(sw, dtype=np.float64)
            else:
                state["count"] += values.shape[0] if values.ndim else 1


class Sum(_Reduce):
    """The (weighted) sum of every value seen."""

    _reduce = "sum"

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable("total")

    def update_state(self, values, sample_weight=None):
        bk, _, values, sw = to_arrays(None, values, sample_weight, need_true=False)
        self._accumulate(bk, values, sw)

    def _result(self, xp, state):
        return state["total"]


class Mean(_Reduce):
    """The (weighted) mean of every value seen; values of rank > 1 are averaged per sample first."""

    _reduce = "mean"

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable("total")
        self.add_variable("count")

    def update_state(self, values, sample_weight=None):
        bk, _, values, sw = to_arrays(None, values, sample_weight, need_true=False)
        self._accumulate(bk, values, sw)

    def _result(self, xp, state):
        return _divide_no_nan(xp, state["total"], state["count"])

    def update_scalar(self, value, weight):
        """The training loop's fast path: one 0-d Tensor ``value`` counted ``weight`` times
        (the loss of a batch of ``weight`` samples), accumulated on its device."""
        state = self._ensure_state(value._backend)
        state["total"] += value.data * float(weight)
        state["count"] += float(weight)


def functional(raw):
    """A public metric function ``fn(y_true, y_pred, **kw) -> Tensor`` around an array version.

    ``raw(bk, y_true, y_pred, **kw)`` works on raw arrays; MeanMetricWrapper calls it directly
    (``fn._raw``) so built-in metrics never wrap and unwrap tensors inside a step.
    """
    def fn(y_true, y_pred, **kwargs):
        bk, yt, yp, _ = to_arrays(y_true, y_pred)
        return Tensor._wrap(raw(bk, yt, yp, **kwargs), backend=bk)

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

    def _values(self, bk, yt, yp):
        raw = getattr(self._fn, "_raw", None)
        if raw is not None:
            return raw(bk, yt, yp, **self._fn_kwargs)
        out = self._fn(Tensor._wrap(yt, backend=bk), Tensor._wrap(yp, backend=bk),
                       **self._fn_kwargs)
        return out.data if isinstance(out, Tensor) else bk.asarray(out)

    def update_state(self, y_true, y_pred, sample_weight=None):
        bk, yt, yp, sw = to_arrays(y_true, y_pred, sample_weight)
        self._accumulate(bk, self._values(bk, yt, yp), sw)

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
