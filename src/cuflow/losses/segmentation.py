"""Overlap losses for segmentation: Dice and Tversky."""

from __future__ import annotations

from .. import ops
from ..ops.losses import as_pred, as_true, squeeze_or_expand_to_same_rank
from .loss import EPSILON, LossFunctionWrapper


def _overlap_pair(y_true, y_pred):
    y_pred = as_pred(y_pred)
    return squeeze_or_expand_to_same_rank(as_true(y_true, y_pred), y_pred)


def dice(y_true, y_pred, axis=None):
    """``1 - 2*sum(y*p) / (sum(y) + sum(p) + eps)`` over ``axis`` (None: every element, a
    scalar)."""
    y_true, y_pred = _overlap_pair(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    inter = ops.sum(y_true * y_pred, axis=axis)
    return 1.0 - 2.0 * inter / (ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis)
                                + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha*sum((1-p)*y) + beta*sum(p*(1-y)) + eps)`` over ``axis`` (None:
    every element); alpha = beta = 0.5 is the Dice loss."""
    y_true, y_pred = _overlap_pair(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    inter = ops.sum(y_true * y_pred, axis=axis)
    fp = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - inter / (inter + fp * alpha + fn * beta + EPSILON)


# ---- classes ------------------------------------------------------------------------------------

def _axis_arg(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


class Dice(LossFunctionWrapper):
    """``1 - 2*sum(y*p) / (sum(y) + sum(p))`` over ``axis`` (None: the whole batch at once)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype,
                         axis=_axis_arg(axis))
        self.axis = _axis_arg(axis)


class Tversky(LossFunctionWrapper):
    """Dice generalised: false positives weigh ``alpha``, false negatives ``beta``."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype,
                         alpha=float(alpha), beta=float(beta), axis=_axis_arg(axis))
        self.alpha, self.beta, self.axis = float(alpha), float(beta), _axis_arg(axis)


__all__ = [
    "Dice", "Tversky", "dice", "tversky"
]
