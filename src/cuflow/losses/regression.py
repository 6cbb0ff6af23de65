"""Regression losses: mean squared / absolute / percentage / squared-logarithmic error,
log-cosh, Huber and cosine similarity."""

from __future__ import annotations

from .. import ops
from ..ops.losses import pair
from .loss import LossFunctionWrapper, _elementwise, _wrapper_class

mean_squared_error = _elementwise("mean_squared_error")
mean_absolute_error = _elementwise("mean_absolute_error")
mean_absolute_percentage_error = _elementwise("mean_absolute_percentage_error")
mean_squared_logarithmic_error = _elementwise("mean_squared_logarithmic_error")
log_cosh = _elementwise("log_cosh")


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss: quadratic within ``delta`` of the target, linear beyond."""
    y_true, y_pred = pair("huber", y_true, y_pred)
    return ops.loss("huber", y_true, y_pred, delta=float(delta))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample negative cosine similarity over ``axis`` (-1: same direction)."""
    y_true, y_pred = pair("cosine_similarity", y_true, y_pred, axis)
    return ops.loss("cosine_similarity", y_true, y_pred)


# Keras' short names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh


# ---- classes ------------------------------------------------------------------------------------

MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                                  "Mean of squares of errors over the last axis.")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error", "Mean absolute error.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "100 * mean(|y_true - y_pred| / max(|y_true|, eps)).")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean of (log(1 + y_pred) - log(1 + y_true))**2.")
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh", "Mean of log(cosh(y_pred - y_true)).")


class Huber(LossFunctionWrapper):
    """Quadratic for |error| <= delta, linear beyond."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=float(delta))


class CosineSimilarity(LossFunctionWrapper):
    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)


__all__ = [
    "CosineSimilarity", "Huber", "LogCosh", "MAE", "MAPE", "MSE", "MSLE", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "cosine_similarity", "huber", "log_cosh", "logcosh", "mae", "mape", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "mse", "msle"
]
