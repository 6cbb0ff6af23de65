"""Metric-learning losses: Circle loss over integer labels and L2-normalised embeddings."""

from __future__ import annotations

from .. import ops
from ..ops.losses import as_pred, as_true
from ..tensor import Tensor
from .loss import LossFunctionWrapper


def _circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
            gamma=80.0, margin=0.4):
    """(per-query loss, valid mask): rows without a positive or a negative are 0 and masked."""
    import numpy as np

    y_pred = as_pred(y_pred)
    ref = y_pred if ref_embeddings is None else as_true(ref_embeddings, y_pred)
    q_lab = as_true(y_true, y_pred, cast=False)
    k_lab = q_lab if ref_labels is None else as_true(ref_labels, y_pred, cast=False)
    q_lab = ops.cast(ops.reshape(q_lab, (-1, 1)), "int64")
    k_lab = ops.cast(ops.reshape(k_lab, (1, -1)), "int64")
    if y_pred.ndim != 2 or ref.ndim != 2 or q_lab.shape[0] != y_pred.shape[0] \
            or k_lab.shape[1] != ref.shape[0]:
        raise ValueError(f"circle: expected embeddings (batch, dim) with one label each; "
                         f"received y_pred {y_pred.shape} with {q_lab.shape[0]} labels and "
                         f"reference embeddings {ref.shape} with {k_lab.shape[1]} labels")
    pos = ops.equal(q_lab, k_lab)
    neg = ops.logical_not(pos)
    if remove_diagonal:
        off = Tensor(~np.eye(pos.shape[0], pos.shape[1], dtype=bool), device=y_pred.device)
        pos = ops.logical_and(pos, off)
    dist = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref)), 0.0)
    pos_f, neg_f = ops.cast(pos, dist.dtype), ops.cast(neg, dist.dtype)
    pos_w = ops.maximum((margin + dist) * pos_f, 0.0)
    neg_w = ops.maximum((1.0 + margin - dist) * neg_f, 0.0)
    pos_d = -gamma * pos_w * (margin - dist)
    neg_d = gamma * neg_w * ((1.0 - margin) - dist)
    has_pos, has_neg = ops.any(pos, axis=1), ops.any(neg, axis=1)
    # rows with no candidates would make logsumexp log(0) (and 0/0 in its gradient): give them
    # a finite stand-in and zero the result below, as Keras's softplus(-inf) = 0 does
    p_in = ops.where(ops.expand_dims(has_pos, 1), ops.where(pos, pos_d, float("-inf")), 0.0)
    n_in = ops.where(ops.expand_dims(has_neg, 1), ops.where(neg, neg_d, float("-inf")), 0.0)
    valid = ops.logical_and(has_pos, has_neg)
    loss = ops.where(valid, ops.softplus(ops.logsumexp(p_in, axis=1)
                                         + ops.logsumexp(n_in, axis=1)), 0.0)
    return loss, ops.greater(loss, 0.0)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80.0, margin=0.4):
    """Per-query Circle loss (Sun et al., 2020) between integer labels and L2-normalised
    embeddings, against ``ref_embeddings``/``ref_labels`` (default: the batch itself)."""
    return _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
                   margin)[0]


# ---- classes ------------------------------------------------------------------------------------

class Circle(LossFunctionWrapper):
    """Circle loss over integer labels and L2-normalised embeddings; queries with no positive
    (or no negative) pair lose 0 and, as Keras's loss mask says, do not count in the mean."""

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype,
                         gamma=float(gamma), margin=float(margin),
                         remove_diagonal=bool(remove_diagonal))
        self.gamma, self.margin = float(gamma), float(margin)
        self.remove_diagonal = bool(remove_diagonal)


# functions whose Keras result carries a loss mask: name -> (function, (values, mask) twin)
_MASKED_FUNCTIONS = {"circle": (circle, _circle)}


__all__ = [
    "Circle", "circle"
]
