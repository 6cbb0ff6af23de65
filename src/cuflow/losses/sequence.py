"""Sequence losses: Connectionist Temporal Classification (CTC) over dense labels."""

from __future__ import annotations

from .. import ops
from ..ops.losses import as_pred
from ..tensor import Tensor
from .loss import LossFunctionWrapper


def _host_labels(y, what):
    import numpy as np

    arr = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    if arr.dtype.kind not in "iufb":
        raise ValueError(f"{what} must hold integer labels; received dtype {arr.dtype}")
    return arr


def ctc(y_true, y_pred):
    """Per-sample CTC loss. ``y_true``: (batch, max_length) integer labels, 0 being the blank
    (the label length of a row is its number of non-zero entries, taken from the front);
    ``y_pred``: (batch, max_time, num_classes) logits, not softmax-normalised; every sample
    uses all ``max_time`` frames."""
    y_pred = as_pred(y_pred)
    labels = _host_labels(y_true, "ctc: y_true")
    if labels.ndim != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={y_pred.shape}")
    labels = labels.astype("int64")
    label_length = (labels != 0).sum(axis=-1)
    input_length = [y_pred.shape[1]] * y_pred.shape[0]
    return ops.ctc_loss(labels, y_pred, label_length, input_length, mask_index=0)


# ---- classes ------------------------------------------------------------------------------------

class CTC(LossFunctionWrapper):
    """Connectionist Temporal Classification: dense labels (0 = blank/padding), logits."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)


__all__ = [
    "CTC", "ctc"
]
