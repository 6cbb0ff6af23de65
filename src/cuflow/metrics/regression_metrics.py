"""Regression metrics: MSE, MAE, MAPE (per-sample means over the last axis) and RMSE."""

from __future__ import annotations

from .. import ops
from ._inputs import squeeze_or_expand_to_same_rank, to_tensors
from .base import Mean, MeanMetricWrapper, functional

EPSILON = 1e-7  # Keras' backend.epsilon(): MAPE's guard against division by zero


def _float_pair(y_true, y_pred):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    dtype = y_pred.dtype if y_pred.dtype.kind == "f" else "float32"
    return ops.cast(y_true, dtype), ops.cast(y_pred, dtype)


def _mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred) ** 2) over the last axis."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    d = y_true - y_pred
    return ops.mean(d * d, axis=-1)


def _mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def _mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7)) over the last axis."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    ratio = ops.abs(y_true - y_pred) / ops.maximum(ops.abs(y_true), EPSILON)
    return 100.0 * ops.mean(ratio, axis=-1)


mean_squared_error = functional(_mean_squared_error)
mean_absolute_error = functional(_mean_absolute_error)
mean_absolute_percentage_error = functional(_mean_absolute_percentage_error)


class MeanSquaredError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the running (weighted) mean of squared errors."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        yt, yp = _float_pair(yt, yp)
        d = yp - yt
        self._accumulate(d * d, sw)

    def _result(self, xp, state):
        return ops.sqrt(super()._result(xp, state))
