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
from ..tensor import Tensor, Variable
from ._inputs import add_to, on, sum64, tensors, to_samplewise, to_tensors


def snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Metric:
    """Base class: ``update_state`` accumulates, ``result`` reads, ``reset_state`` clears.

    Subclasses declare state with ``add_variable(shape, initializer, dtype, name=...)`` in
    ``__init__`` (it returns the state Variable, as Keras's); built-in metrics update
    ``self._state[name]`` (the Variable's array) in place with ``add_to`` so the arrays keep their
    device addresses (what a captured CUDA graph replays against), and compute the result in
    ``_result``. A Keras-style subclass may instead ``assign`` its Variables in ``update_state``
    and override ``result``.
    """

    #: "up" when bigger is better, "down" when smaller is; callbacks' mode="auto" reads it
    _direction = None

    def __init__(self, name=None, dtype=None):
        self.name = name if name is not None else snake_case(type(self).__name__)
        self._dtype = _metric_dtype(dtype)
        self._specs = {}  # name -> (shape, fill value or None, host initial value)
        self._vars = {}  # name -> state Variable (its .data is self._state[name])
        self._state = {}  # name -> array on self._device
        self._device = None

    @property
    def dtype(self):
        """The dtype results are computed and returned in (read-only, as Keras's)."""
        return self._dtype

    # ---- state ---------------------------------------------------------------------------
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """A state Variable of ``shape`` filled by ``initializer`` (a number, "zeros", "ones", an
        initializer object or callable), tracked in ``variables`` and cleared by
        ``reset_state``. ``dtype`` defaults to float32 (built-in metrics keep float64 counts)."""
        if name is None:
            name = f"variable_{len(self._specs)}"
        shape = tuple(int(d) for d in shape)
        dt = np.dtype(dtype if dtype is not None else "float32")
        if isinstance(initializer, (int, float, np.number)) and not isinstance(initializer, bool):
            host = np.full(shape, initializer, dt)
        elif isinstance(initializer, (Tensor, np.ndarray)) or hasattr(initializer,
                                                                      "__cuda_array_interface__"):
            host = _host(initializer, dt, shape)  # an initial value, as Keras accepts
        elif initializer in ("zeros", "ones"):
            host = (np.zeros if initializer == "zeros" else np.ones)(shape, dt)
        elif isinstance(initializer, str):
            from .. import initializers

            host = _host(initializers.get(initializer)(shape, dtype=dt.name), dt, shape)
        elif callable(initializer):
            host = _host(initializer(shape, dtype=dt.name), dt, shape)
        else:
            raise ValueError(f"metric {self.name!r}: unsupported initializer {initializer!r} "
                             f"for variable {name!r}")
        flat = host.reshape(-1)
        fill = flat[0].item() if flat.size and (flat == flat[0]).all() else None
        self._specs[name] = (shape, fill, host)
        if self._device is None:
            self._device = get_device()
        with on_device(self._device):
            var = Variable(host, trainable=False, name=name, dtype=dt)
        self._vars[name] = var
        self._state[name] = var.data
        return var

    def _counts(self, name, shape=()):
        """A built-in metric's float64 count state (exact past 2**24 samples)."""
        return self.add_variable(shape, dtype="float64", name=name)

    def _ensure_state(self, device=None):
        """State on ``device`` (default: where it is): moving devices is one explicit copy,
        done only when y_pred moves."""
        if device is None or device == self._device:
            return self._state
        for name, var in self._vars.items():
            moved = Tensor._wrap(var.data).to(device)
            var.data, var._backend = moved.data, moved._backend
            self._state[name] = var.data
        self._device = device
        return self._state

    def reset_state(self):
        for name, (_shape, fill, host) in self._specs.items():
            arr = self._state[name]
            if fill is not None:
                arr.fill(fill)  # in place: the arrays keep their addresses
            else:
                self._vars[name].assign(host)

    @property
    def variables(self):
        """The state Variables: this metric's, then those of Variables and metrics held in its
        attributes (lists and dicts too), as Keras tracks them."""
        out, seen = [], set()

        def add(v):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)

        for v in self._vars.values():
            add(v)
        for value in list(vars(self).values()):
            for v in _tracked_variables(value):
                add(v)
        return out

    # ---- stateless forms (Keras's functional API over the state values) -----------------------
    def _swap_values(self, values):
        variables = self.variables
        if len(values) != len(variables):
            raise ValueError(f"metric {self.name!r} has {len(variables)} variables; received "
                             f"{len(values)} values")
        saved = [v.data.copy() for v in variables]
        for v, value in zip(variables, values):
            v.assign(value.data if isinstance(value, Tensor) else value)
        return variables, saved

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """``update_state`` from the values ``metric_variables``; returns the new values and
        leaves this metric's own state unchanged."""
        variables, saved = self._swap_values(metric_variables)
        try:
            self.update_state(*args, **kwargs)
            return [Tensor._wrap(v.data.copy(), backend=v._backend) for v in variables]
        finally:
            for v, value in zip(variables, saved):
                v.assign(value)

    def stateless_result(self, metric_variables):
        """``result`` computed from the values ``metric_variables``."""
        variables, saved = self._swap_values(metric_variables)
        try:
            out = self.result()
            return Tensor._wrap(out.data.copy(), backend=out._backend)
        finally:
            for v, value in zip(variables, saved):
                v.assign(value)

    def stateless_reset_state(self):
        """The state values ``reset_state`` would produce; this metric's state is unchanged."""
        variables = self.variables
        saved = [v.data.copy() for v in variables]
        try:
            self.reset_state()
            return [Tensor._wrap(v.data.copy(), backend=v._backend) for v in variables]
        finally:
            for v, value in zip(variables, saved):
                v.assign(value)

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


def _metric_dtype(dtype):
    """A metric's dtype name: ``floatx()`` by default (not the global policy, as Keras), a dtype
    policy's compute dtype, or any numeric dtype (integer ones too, as Keras accepts)."""
    if dtype is None:
        from ..backend.config import floatx

        return floatx()
    compute = getattr(dtype, "compute_dtype", None)
    if compute is not None:
        return np.dtype(compute).name
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        from ..mixed_precision import Policy

        return Policy(dtype).compute_dtype
    dt = np.dtype(dtype)
    if dt.kind not in "biuf":
        raise TypeError(f"metric dtype must be numeric; received {dtype!r}")
    return dt.name


def _host(value, dt, shape):
    arr = value.numpy() if isinstance(value, Tensor) else value
    if hasattr(arr, "get"):  # a device array
        arr = arr.get()
    return np.array(arr, dtype=dt).reshape(shape)


def _tracked_variables(value):
    if isinstance(value, Variable):
        yield value
    elif isinstance(value, Metric):
        yield from value.variables
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tracked_variables(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tracked_variables(v)


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
        self.add_variable(name="total", dtype="float64")

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
        self.add_variable(name="total", dtype="float64")
        self.add_variable(name="count", dtype="float64")

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
