"""Correlation and coefficient-of-determination metrics: PearsonCorrelation,
ConcordanceCorrelation (running means of a per-sample coefficient along ``axis``) and R2Score
(per-output sums accumulated on the device, the score computed from them in ``result``)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ._inputs import add_to, broadcast, squeeze_or_expand_to_same_rank, tensors, to_tensors
from .base import MeanMetricWrapper, Metric, functional

EPSILON = 1e-7  # Keras' backend.epsilon()


def _axes(axis, ndim):
    """``axis`` (an int or a sequence of ints) checked against ``ndim``, as a tuple."""
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"axis must be an int or a tuple of ints; received {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {axis!r} is out of range for inputs of rank {ndim}")
    if len({a % ndim for a in axes}) != len(axes):
        raise ValueError(f"axis {axis!r} repeats an axis")
    return tuple(int(a) for a in axes)


def _float_pair(y_true, y_pred):
    y_pred = y_pred if y_pred.dtype.kind == "f" else ops.cast(y_pred, "float32")
    y_true, y_pred = squeeze_or_expand_to_same_rank(ops.cast(y_true, y_pred.dtype), y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"y_true and y_pred must have the same shape; received "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    return y_true, y_pred


def _pearson_correlation(y_true, y_pred, axis=-1):
    """mean(z(y_true) * z(y_pred)) along ``axis``, z the standardised values (std + 1e-7)."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    axis = _axes(axis, y_pred.ndim)
    t = y_true - ops.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - ops.mean(y_pred, axis=axis, keepdims=True)
    t = t / (ops.std(t, axis=axis, keepdims=True) + EPSILON)
    p = p / (ops.std(p, axis=axis, keepdims=True) + EPSILON)
    return ops.mean(t * p, axis=axis)


def _concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance: 2 cov / (var_t + var_p + (mean_t - mean_p)**2 + 1e-7) along
    ``axis``."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    axis = _axes(axis, y_pred.ndim)
    mt = ops.mean(y_true, axis=axis, keepdims=True)
    mp = ops.mean(y_pred, axis=axis, keepdims=True)
    vt = ops.var(y_true, axis=axis, keepdims=True)
    vp = ops.var(y_pred, axis=axis, keepdims=True)
    cov = (y_true - mt) * (y_pred - mp)
    norm = vt + vp + ops.square(mt - mp)
    return ops.mean(2.0 * cov / (norm + EPSILON), axis=axis)


pearson_correlation = functional(_pearson_correlation)
concordance_correlation = functional(_concordance_correlation)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean Pearson correlation coefficient between labels and predictions along ``axis``."""

    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean concordance correlation coefficient (Lin) along ``axis``."""

    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination 1 - SS_res / SS_tot per output, then aggregated.

    ``class_aggregation``: None (one score per output), "uniform_average" or
    "variance_weighted_average" (scikit-learn's ``multioutput``). ``num_regressors`` > 0 gives the
    adjusted R2 with n the number of label values seen; when n - 1 <= num_regressors the plain
    score is returned (Keras warns there; a warning would need a host read of n).
    """

    _direction = "up"
    _NAMES = ("sum", "squared_sum", "residual", "count")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of "
                             f"{_AGGREGATIONS}. Received: class_aggregation="
                             f"{class_aggregation!r}")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, (int, np.integer)) \
                or num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected an integer "
                             f">= 0. Received: num_regressors={num_regressors!r}")
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        self.add_variable(name="num_samples", dtype="float64")
        self.num_outputs = None

    def _build(self, n):
        for name in self._NAMES:
            self.add_variable((n,), dtype="float64", name=name)
        self.num_outputs = n

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        yt, yp = _float_pair(yt, yp)
        if yp.ndim != 2 or yt.ndim != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={tuple(yp.shape)} and "
                             f"y_true.shape={tuple(yt.shape)}.")
        if self.num_outputs is None:
            self._build(int(yp.shape[-1]))
        elif yp.shape[-1] != self.num_outputs:
            raise ValueError(f"R2Score was built for {self.num_outputs} outputs; received "
                             f"y_pred of shape {tuple(yp.shape)}")
        if sw is None:
            w = ops.ones_like(yt, dtype="float64")
        else:
            w = ops.cast(sw, "float64")
            if w.ndim == 1:
                w = w[:, None]  # one weight per sample, shared by the outputs
            w = broadcast(w, yt.shape, f"sample_weight of shape {tuple(sw.shape)} does not "
                                       f"broadcast to y_true of shape {tuple(yt.shape)}")
        t = ops.cast(yt, "float64")
        p = ops.cast(yp, "float64")
        state = self._ensure_state(yp.device)
        wt = t * w
        add_to(state["sum"], ops.sum(wt, axis=0))
        add_to(state["squared_sum"], ops.sum(t * wt, axis=0))
        add_to(state["residual"], ops.sum(ops.square(t - p) * w, axis=0))
        add_to(state["count"], ops.sum(w, axis=0))
        add_to(state["num_samples"], yt.size)

    def _result(self, xp, state):
        s = tensors(state)
        if "sum" not in s:
            return ops.zeros_like(s["num_samples"])
        with np.errstate(divide="ignore", invalid="ignore"):  # IEEE results, as Keras
            mean = s["sum"] / s["count"]
            total = s["squared_sum"] - s["sum"] * mean
            raw = 1.0 - s["residual"] / total
            raw = ops.where(ops.isinf(raw), 0.0, raw)
            if self.class_aggregation == "uniform_average":
                r2 = ops.mean(raw)
            elif self.class_aggregation == "variance_weighted_average":
                r2 = ops.sum(total * raw) / ops.sum(total)
            else:
                r2 = raw
        if self.num_regressors:
            n, p = s["num_samples"], float(self.num_regressors)
            ok = ops.less(p, n - 1.0)
            den = ops.where(ok, n - p - 1.0, 1.0)
            r2 = ops.where(ok, 1.0 - (1.0 - r2) * (n - 1.0) / den, r2)
        return r2

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
