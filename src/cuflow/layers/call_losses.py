"""The losses a call adds, as Keras 3: ``layer.losses`` holds those of the latest top-level call
only (the outermost ``__call__`` clears the layer tree's first), and an activity regularizer's
loss is divided by the batch size of the output it was computed on."""

from __future__ import annotations

import contextlib
import threading

from ..tensor import Tensor
from ..tree import flatten as _flatten

_STATE = threading.local()


@contextlib.contextmanager
def call_scope(layer):
    """Around one eager ``layer.call``: the outermost call clears the call losses of the layer
    and every sublayer, so that losses are not accumulated across calls."""
    depth = getattr(_STATE, "depth", 0)
    if depth == 0:
        layer._clear_call_losses()
    _STATE.depth = depth + 1
    try:
        yield
    finally:
        _STATE.depth = depth


def _per_sample(loss, output):
    from .. import ops

    if getattr(output, "ndim", 0) > 0:
        batch = ops.cast(output.shape[0], loss.dtype)
        return ops.divide_no_nan(loss, batch)
    return loss


def record_activity_losses(layer, outputs, already):
    """After ``layer.call``: divide the activity losses the call appended (past index
    ``already``) by the batch size; a layer whose call appended none but that has an
    ``activity_regularizer`` gets one per output tensor (Keras's generic rule)."""
    added = layer._activity_losses[already:]
    tensors = [t for t in _flatten(outputs) if isinstance(t, Tensor)]
    if added:
        first = tensors[0] if tensors else None
        layer._activity_losses[already:] = [_per_sample(loss, first) for loss in added]
        return
    reg = getattr(layer, "activity_regularizer", None)
    if reg is None:
        return
    for t in tensors:
        layer._activity_losses.append(_per_sample(reg(t), t))
