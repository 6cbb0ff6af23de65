"""``cuflow.metrics``: Keras 3 metrics that accumulate on the device without host syncs.

``m.update_state(y_true, y_pred, sample_weight=None)`` adds a batch; ``m.result()`` is a 0-d
Tensor on y_pred's device (reading it with ``float()`` is the only sync); ``m.reset_state()``.
"""

from .accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .base import Mean, MeanMetricWrapper, Metric, Sum
from .confusion_metrics import AUC, Precision, Recall
from .registry import deserialize, get, resolve_accuracy, serialize
from .regression_metrics import (
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    RootMeanSquaredError,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
)

# Keras' short function aliases
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanMetricWrapper",
           "MeanSquaredError", "Metric", "Precision", "Recall", "RootMeanSquaredError",
           "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "Sum",
           "TopKCategoricalAccuracy", "accuracy", "binary_accuracy", "categorical_accuracy",
           "deserialize", "get", "mae", "mape", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_error", "mse", "resolve_accuracy",
           "serialize", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
           "top_k_categorical_accuracy"]
