"""Looking metrics up by name (``get``), (de)serialising them, and resolving 'accuracy'.

The registry is closed: ``deserialize`` only instantiates classes defined here or passed in
``custom_objects``; nothing is imported from a name found in a file.
"""

from __future__ import annotations

import inspect

from . import accuracy_metrics as _acc
from . import confusion_metrics as _conf
from . import correlation_metrics as _corr
from . import f_score_metrics as _fs
from . import iou_metrics as _iou
from . import loss_metrics as _loss
from . import regression_metrics as _reg
from .base import Mean, MeanMetricWrapper, Metric, Sum, snake_case

CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, _acc.Accuracy, _acc.BinaryAccuracy,
           _acc.CategoricalAccuracy, _acc.SparseCategoricalAccuracy,
           _acc.TopKCategoricalAccuracy, _acc.SparseTopKCategoricalAccuracy, _conf.Precision,
           _conf.Recall, _conf.AUC, _reg.MeanSquaredError, _reg.MeanAbsoluteError,
           _reg.MeanAbsolutePercentageError, _reg.RootMeanSquaredError,
           _loss.BinaryCrossentropy, _loss.CategoricalCrossentropy,
           _loss.SparseCategoricalCrossentropy, _loss.KLDivergence, _loss.Poisson, _loss.Hinge,
           _loss.SquaredHinge, _loss.CategoricalHinge, _loss.LogCoshError,
           _loss.MeanSquaredLogarithmicError, _loss.CosineSimilarity, _conf.TruePositives,
           _conf.TrueNegatives, _conf.FalsePositives, _conf.FalseNegatives,
           _conf.PrecisionAtRecall, _conf.RecallAtPrecision, _conf.SensitivityAtSpecificity,
           _conf.SpecificityAtSensitivity, _fs.F1Score, _fs.FBetaScore, _corr.R2Score,
           _corr.PearsonCorrelation, _corr.ConcordanceCorrelation, _iou.IoU, _iou.MeanIoU,
           _iou.BinaryIoU, _iou.OneHotIoU, _iou.OneHotMeanIoU]

FUNCTIONS = [_acc.accuracy, _acc.binary_accuracy, _acc.categorical_accuracy,
             _acc.sparse_categorical_accuracy, _acc.top_k_categorical_accuracy,
             _acc.sparse_top_k_categorical_accuracy, _reg.mean_squared_error,
             _reg.mean_absolute_error, _reg.mean_absolute_percentage_error,
             _loss.binary_crossentropy, _loss.categorical_crossentropy,
             _loss.sparse_categorical_crossentropy, _loss.kl_divergence, _loss.poisson,
             _loss.hinge, _loss.squared_hinge, _loss.categorical_hinge, _loss.log_cosh,
             _loss.mean_squared_logarithmic_error, _loss.cosine_similarity,
             _corr.pearson_correlation, _corr.concordance_correlation]

# Keras 3: class names and their snake_case spellings name classes (so get("mse") and
# get("binary_accuracy") give metric objects), plus the short aliases.
_BY_NAME = {cls.__name__: cls for cls in CLASSES}
_BY_NAME.update({snake_case(cls.__name__): cls for cls in CLASSES})
_BY_NAME.update({"acc": _acc.Accuracy, "mse": _reg.MeanSquaredError,
                 "MSE": _reg.MeanSquaredError, "mae": _reg.MeanAbsoluteError,
                 "MAE": _reg.MeanAbsoluteError, "mape": _reg.MeanAbsolutePercentageError,
                 "MAPE": _reg.MeanAbsolutePercentageError,
                 "msle": _loss.MeanSquaredLogarithmicError,
                 "MSLE": _loss.MeanSquaredLogarithmicError,
                 "bce": _loss.BinaryCrossentropy, "BCE": _loss.BinaryCrossentropy,
                 # not in Keras, but the obvious spelling; it names the same class
                 "rmse": _reg.RootMeanSquaredError, "RMSE": _reg.RootMeanSquaredError})
_ABSTRACT = {"metric", "Metric", "mean_metric_wrapper", "MeanMetricWrapper"}
_FUNCTIONS = {fn.__name__: fn for fn in FUNCTIONS}


def _valid_names():
    return sorted(n for n in _BY_NAME if n not in _ABSTRACT)


def _did_you_mean(name):
    """`` (did you mean 'accuracy'?)`` for the closest known names, else nothing: a list of
    every name (~120, snake_case and CamelCase) helps nobody."""
    import difflib

    by_lower = {n.lower(): n for n in _valid_names()}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(by_lower[c]) for c in close) + "?)"


def get_function(name):
    """A metric function by its name (used to rebuild MeanMetricWrapper configs)."""
    fn = _FUNCTIONS.get(name)
    if fn is None:  # a loss function wrapped as a metric (Keras: MeanMetricWrapper(fn=mse))
        from ..losses.lookup import _FUNCTIONS as _LOSS_FUNCTIONS

        fn = _LOSS_FUNCTIONS.get(name)
    if fn is None:
        raise ValueError(f"Unknown metric function {name!r}; expected one of "
                         f"{sorted(_FUNCTIONS)} (pass custom functions in custom_objects)")
    return fn


def get(identifier):
    """A Metric from a name, class, instance, config dict or function (wrapped); None for None."""
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None or identifier in _ABSTRACT:
            raise ValueError(f"Unknown metric {identifier!r}{_did_you_mean(identifier)}. "
                             f"Pass a Metric instance or class, a function fn(y_true, y_pred), "
                             f"or a name of cuflow.metrics (cuflow.metrics.__all__ lists them)")
        # "acc" keeps the name the user wrote, as Keras' compile does for "accuracy"/"acc"
        return cls(name=identifier) if identifier == "acc" else cls()
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r} (of type "
                     f"{type(identifier).__name__}); expected a name, Metric, class or callable")


def serialize(metric):
    """A JSON-safe dict that ``deserialize`` turns back into an equal metric."""
    if not isinstance(metric, Metric):
        raise TypeError(f"serialize expects a Metric, received {type(metric).__name__}")
    return {"module": "cuflow.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The metric a ``serialize`` dict (or a name) describes; unknown classes raise ValueError."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize expects a dict with 'class_name' and 'config', or a "
                         f"name; received {config!r}")
    custom = dict(custom_objects or {})
    name = config["class_name"]
    cls = custom.get(name) or _BY_NAME.get(name)
    if cls is None or not (inspect.isclass(cls) and issubclass(cls, Metric)):
        raise ValueError(f"Unknown metric class {name!r}; expected one of "
                         f"{sorted(c.__name__ for c in CLASSES)} or a class in custom_objects")
    inner = dict(config.get("config") or {})
    if cls is MeanMetricWrapper and isinstance(inner.get("fn"), str) and inner["fn"] in custom:
        inner["fn"] = custom[inner["fn"]]
    return cls.from_config(inner)


def _loss_name(loss):
    if loss is None:
        return ""
    name = loss if isinstance(loss, str) else \
        getattr(loss, "name", None) or getattr(loss, "__name__", None)
    if not isinstance(name, str):
        name = type(loss).__name__
    return snake_case(name).lower()  # "BinaryCrossentropy" and "binary_crossentropy" alike


def resolve_accuracy(loss, y_true_shape, y_pred_shape, name="accuracy"):
    """The metric Keras' compile uses for 'accuracy' / 'acc' given the loss and output shapes.

    Binary crossentropy (or one output unit) -> BinaryAccuracy; sparse categorical crossentropy
    -> SparseCategoricalAccuracy; categorical crossentropy -> CategoricalAccuracy; any other
    loss: integer-label shapes (rank one less, or a trailing 1) -> sparse, else categorical.
    """
    loss_name = _loss_name(loss)
    # None: unknown (no labels seen yet); the loss and y_pred's shape decide alone then
    y_true_shape = None if y_true_shape is None else tuple(y_true_shape)
    y_pred_shape = () if y_pred_shape is None else tuple(y_pred_shape)
    if loss_name in ("bce", "binary_crossentropy", "binary_focal_crossentropy") or \
            (y_pred_shape and y_pred_shape[-1] == 1):
        return _acc.BinaryAccuracy(name=name)
    if "sparse_categorical" in loss_name:
        return _acc.SparseCategoricalAccuracy(name=name)
    if "categorical_crossentropy" in loss_name or loss_name == "categorical_focal_crossentropy":
        return _acc.CategoricalAccuracy(name=name)
    sparse = y_true_shape is not None and len(y_true_shape) == len(y_pred_shape) - 1 or (
        bool(y_true_shape) and len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1)
    if sparse:
        return _acc.SparseCategoricalAccuracy(name=name)
    return _acc.CategoricalAccuracy(name=name)
