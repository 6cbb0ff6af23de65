"""Array helpers from ``tf.keras.utils``: ``to_categorical`` and ``normalize``.

Host (NumPy) inputs give host results, as Keras does for data preparation; cuflow Tensors stay on
their device and go through ``cuflow.ops``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..tensor import Tensor


def _labels(y):
    """Integer labels from ints, bools or integral floats; anything else is a ValueError."""
    y = np.asarray(y)
    if y.dtype.kind == "b":
        return y.astype(np.int64)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError("to_categorical expects integer class labels; received non-integer "
                             "values (pass class indices, not probabilities or one-hot rows)")
        return y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise ValueError(f"to_categorical expects integer class labels; received dtype {y.dtype}")
    return y.astype(np.int64, copy=False)


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode class indices: shape ``y.shape + (num_classes,)``, a trailing 1 in
    ``y.shape`` dropped first (labels of shape (N, 1) give (N, num_classes)).

    ``num_classes`` defaults to ``max(y) + 1``. Negative labels or labels >= num_classes raise
    ValueError rather than wrapping around or being silently dropped.
    """
    tensor = y if isinstance(y, Tensor) else None
    host = _labels(tensor.numpy() if tensor is not None else y)
    shape = host.shape[:-1] if host.ndim > 1 and host.shape[-1] == 1 else host.shape
    host = host.reshape(shape)
    if num_classes is None:
        if host.size == 0:
            raise ValueError("to_categorical cannot infer num_classes from empty labels; pass "
                             "num_classes")
        num_classes = int(host.max()) + 1
    if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes <= 0:
        raise ValueError(f"num_classes must be a positive int; received {num_classes!r}")
    num_classes = int(num_classes)
    if host.size:
        lo, hi = int(host.min()), int(host.max())
        if lo < 0 or hi >= num_classes:
            raise ValueError(f"to_categorical: label {lo if lo < 0 else hi} is out of range for "
                             f"num_classes={num_classes} (labels must be in [0, {num_classes}))")
    if tensor is not None:  # stay on the tensor's device
        idx = Tensor(host, device=tensor.device)
        return ops.one_hot(idx, num_classes, dtype=dtype)
    out = np.zeros((host.size, num_classes), dtype=dtype)
    out[np.arange(host.size), host.reshape(-1)] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero norms leave the slice as is)."""
    if not isinstance(x, Tensor):
        x = np.asarray(x)
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis)
    if x.dtype.kind != "f":
        x = ops.cast(x, "float32")
    if order == 2:
        norm = ops.sqrt(ops.sum(ops.square(x), axis, keepdims=True))
    elif order == 1:
        norm = ops.sum(ops.abs(x), axis, keepdims=True)
    elif order == math.inf:
        norm = ops.max(ops.abs(x), axis, keepdims=True)
    elif isinstance(order, (int, float)) and order > 0:
        norm = ops.sum(ops.abs(x) ** float(order), axis, keepdims=True) ** (1.0 / order)
    else:
        raise ValueError(f"normalize: order must be a positive number or inf; received {order!r}")
    return x / ops.where(norm == 0.0, 1.0, norm)
