"""Keras losses (``tf.keras.losses`` / Keras 3 semantics) over ``cuflow.ops.loss``, one file per
kind: ``loss`` (the Loss base class, the function wrapper and the reduction), ``regression``,
``probabilistic``, ``hinge``, ``segmentation``, ``sequence``, ``metric_learning`` and ``lookup``
(get / serialize / deserialize)."""

from .hinge import *  # noqa: F403
from .lookup import _CLASSES, _FUNCTIONS, deserialize, get, serialize
from .loss import *  # noqa: F403
from .metric_learning import *  # noqa: F403
from .probabilistic import *  # noqa: F403
from .regression import *  # noqa: F403
from .segmentation import *  # noqa: F403
from .sequence import *  # noqa: F403

__all__ = sorted(["Loss", "LossFunctionWrapper", "REDUCTIONS", "Reduction", "deserialize", "get",
                  "reduce_weighted_values", "serialize", "squeeze_or_expand_to_same_rank",
                  "standardize_reduction", *_CLASSES, *_FUNCTIONS])
