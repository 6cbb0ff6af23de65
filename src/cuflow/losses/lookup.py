"""Loss lookup and (de)serialization: ``get``, ``serialize``, ``deserialize`` over the closed
table of built-in loss classes and functions (classes are looked up by name, never imported)."""

from __future__ import annotations

from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .loss import Loss, LossFunctionWrapper
from .metric_learning import Circle, circle
from .probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    bce,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    kld,
    poisson,
    sparse_categorical_crossentropy,
)
from .regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
)
from .segmentation import Dice, Tversky, dice, tversky
from .sequence import CTC, ctc

_CLASSES = {c.__name__: c for c in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Hinge, SquaredHinge, CategoricalHinge,
    CosineSimilarity, Poisson, BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice,
    Tversky, CTC, Circle, CategoricalGeneralizedCrossEntropy)}
_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, hinge,
    squared_hinge, categorical_hinge, cosine_similarity, poisson, binary_focal_crossentropy,
    categorical_focal_crossentropy, dice, tversky, ctc, circle,
    categorical_generalized_cross_entropy)}
_FUNCTIONS.update({"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
                   "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld,
                   "kullback_leibler_divergence": kld, "logcosh": log_cosh, "bce": bce,
                   "BCE": bce})
_USER_CLASSES = ("Loss", "LossFunctionWrapper")  # not constructible from a bare name


def _valid_names():
    return sorted(set(_FUNCTIONS) | (set(_CLASSES) - set(_USER_CLASSES)))


def _unknown(identifier):
    return ValueError(f"Unknown loss {identifier!r}; valid names: {', '.join(_valid_names())}")


def serialize(loss):
    """A Loss -> {"class_name", "config"}; a loss function -> its name; None -> None."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if callable(loss) and hasattr(loss, "__name__"):
        return loss.__name__
    raise ValueError(f"cannot serialize {loss!r} as a loss: expected a Loss or a function")


def deserialize(config, custom_objects=None):
    """Inverse of ``serialize``; classes are looked up by name, never imported."""
    custom = dict(custom_objects or {})
    if config is None:
        return None
    if isinstance(config, str):
        obj = custom.get(config) or _FUNCTIONS.get(config) or (
            _CLASSES.get(config) if config not in _USER_CLASSES else None)
        if obj is None:
            raise _unknown(config)
        return obj() if isinstance(obj, type) else obj
    if isinstance(config, dict) and "class_name" in config:
        name = config["class_name"]
        if name == "function":  # Keras 3 writes a function as {"class_name": "function", ...}
            return deserialize(config.get("config"), custom_objects)
        cls = custom.get(name) or _CLASSES.get(name)
        if cls is None:
            raise _unknown(name)
        return cls.from_config(config.get("config") or {})
    raise ValueError(f"cannot deserialize a loss from {config!r}: expected a name or a dict with "
                     f"'class_name' and 'config'")


def get(identifier):
    """A loss from a name, class, instance, callable or config dict (None stays None)."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier {identifier!r}: expected a name "
                     f"(one of {', '.join(_valid_names())}), a Loss, a function or a config dict")


__all__ = [
    "deserialize", "get", "serialize"
]
