"""The Loss base class, ``LossFunctionWrapper`` (a Loss around a per-sample function) and the
reduction of per-sample losses to a scalar: sample weights, masks, ``reduction`` names.

The math of every built-in loss lives in the backend's fused kernels (``ops.loss``: per-sample
value and d loss / d y_pred in one pass); ``ops.losses`` lines ``y_true`` up with ``y_pred``. The
modules of this package own what Keras puts around the math.
"""

from __future__ import annotations

import re

from .. import ops
from ..ops.losses import as_pred, as_true, pair, squeeze_or_expand_to_same_rank

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


class Reduction:
    """tf.keras 2's reduction names, so ``reduction=losses.Reduction.SUM`` code ports as is."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"


def standardize_reduction(reduction):
    """A reduction name as stored: None -> "none"; "auto" (tf.keras 2) -> sum_over_batch_size."""
    if reduction is None:
        return "none"
    if isinstance(reduction, str):
        r = reduction.lower()
        r = "sum_over_batch_size" if r == "auto" else r
        if r in REDUCTIONS:
            return r
    raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                     f"{', '.join(REDUCTIONS)} or None. Received: reduction={reduction!r}")


EPSILON = 1e-7  # keras.backend.epsilon()


# ---- reduction ----------------------------------------------------------------------------------

def _align_weight(values, sample_weight):
    """``sample_weight`` as a Tensor that broadcasts against the per-sample ``values``."""
    sw = as_true(sample_weight, values)
    while sw.ndim > values.ndim and sw.shape[-1] == 1:  # (N, 1) weights for (N,) losses
        sw = ops.squeeze(sw, -1)
    if 0 < sw.ndim < values.ndim:  # (N,) weights for (N, T) losses: one weight per sample
        sw = ops.reshape(sw, sw.shape + (1,) * (values.ndim - sw.ndim))
    return sw


def _shape_of(x):
    return tuple(getattr(x, "shape", ()))


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weight per-sample ``values`` by ``sample_weight`` and ``mask`` and reduce them.

    ``sum_over_batch_size`` / ``mean`` divide the weighted sum by the number of loss elements
    (the valid ones where a mask is given), ``mean_with_sample_weight`` by the sum of weights.
    """
    reduction = standardize_reduction(reduction)
    weighted, sw = values, None
    if sample_weight is not None:
        sw = _align_weight(values, sample_weight)
    if mask is not None:
        m = ops.cast(mask, values.dtype)
        if reduction in ("sum_over_batch_size", "mean"):
            # valid entries weigh total / valid so the final division by total means "over valid"
            m = m * (m.size / ops.maximum(ops.sum(m), 1.0))
        sw = m if sw is None else sw * m
    if sw is not None:
        try:
            weighted = values * sw
        except ValueError:
            raise ValueError(f"sample_weight of shape {_shape_of(sample_weight)} does not "
                             f"broadcast to the per-sample loss of shape {values.shape}") from None
    if reduction == "none" or weighted.ndim == 0:
        return weighted
    total = ops.sum(weighted)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sw is not None:
        # every weight is repeated weighted.size / sw.size times by broadcasting
        denom = ops.sum(sw) * (weighted.size / max(sw.size, 1))
        safe = ops.where(denom == 0, 1.0, denom)
        return ops.where(denom == 0, 0.0, total / safe)
    return total / max(weighted.size, 1)  # an empty batch gives 0, as divide_no_nan


# ---- classes ------------------------------------------------------------------------------------

def _snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample losses."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name if name is not None else _snake(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        values, mask = self._call_with_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def _call_with_mask(self, y_true, y_pred):
        return self.call(y_true, as_pred(y_pred, self.dtype)), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:  # Keras writes name and reduction only
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss around a function ``fn(y_true, y_pred, **kwargs)`` -> per-sample losses."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name if name is not None else getattr(fn, "__name__", None),
                         reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _call_with_mask(self, y_true, y_pred):
        # the table and the lookup below hold every wrapper class: imported when first needed
        from .metric_learning import _MASKED_FUNCTIONS

        masked = _MASKED_FUNCTIONS.get(getattr(self.fn, "__name__", None))
        if masked is not None and masked[0] is self.fn:  # Keras's loss mask rides on the values
            return masked[1](y_true, as_pred(y_pred, self.dtype), **self._fn_kwargs)
        return super()._call_with_mask(y_true, y_pred)

    def get_config(self):
        from .lookup import serialize

        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        from .lookup import get

        config = dict(config)
        if cls is LossFunctionWrapper:
            config["fn"] = get(config["fn"])
        return cls(**config)


def _wrapper_class(cls_name, fn, default_name, doc):
    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype)

    return type(cls_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                                   "__module__": __name__})


def _elementwise(name, **kw):
    def fn(y_true, y_pred):
        y_true, y_pred = pair(name, y_true, y_pred)
        return ops.loss(name, y_true, y_pred, **kw)

    fn.__name__ = name
    fn.__doc__ = f"Per-sample ``{name}`` (reduced over the last axis), shape y_pred.shape[:-1]."
    return fn


__all__ = [
    "Loss", "LossFunctionWrapper", "REDUCTIONS", "Reduction", "reduce_weighted_values",
    "squeeze_or_expand_to_same_rank", "standardize_reduction"
]
