"""Differentiable per-sample losses over the backend's fused loss kernels (``loss``), and how
``y_true`` is lined up with ``y_pred`` before them: dtypes, ranks that differ by a trailing 1,
the class axis moved last, the logits behind a softmax output, integer labels.

The Keras losses (``cuflow.losses``) and the cross-entropy ops (``ops.nn.crossentropy``) share
these rules, so both see the same shapes, dtypes and error messages.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._core import check_float, record, same_device, to_tensor
from .core import cast as _cast
from .numpy.logic import not_equal, where
from .numpy.shape import broadcast_to, expand_dims, squeeze, transpose


def _expand_to(g, ndim):
    return g.reshape(g.shape + (1,) * (ndim - g.ndim))


def loss(name, y_true, y_pred, from_logits=False, label_smoothing=0.0, delta=1.0):
    """Per-sample loss ``name`` (shape ``y_pred.shape[:-1]``), differentiable in ``y_pred``.

    The kernel computes the loss and d loss / d y_pred in one pass; the backward only scales it.
    """
    y_pred = to_tensor(y_pred)
    check_float(name, y_pred)
    y_true = to_tensor(y_true, y_pred)
    bk = same_device(name, y_true, y_pred)
    if name == "sparse_categorical_crossentropy" and from_logits:
        per, d = bk.sparse_softmax_cross_entropy(y_pred.data, y_true.data,
                                                 need_grad=y_pred.requires_grad)
    else:
        per, d = bk.loss_forward_backward(name, y_true.data, y_pred.data, from_logits=from_logits,
                                          label_smoothing=label_smoothing, delta=delta,
                                          need_grad=y_pred.requires_grad)

    def backward(g):
        return (None, _expand_to(g, d.ndim) * d)

    return record(per, (y_true, y_pred), backward, name, bk)


# ---- lining up y_true with y_pred ---------------------------------------------------------------

def as_pred(y_pred, dtype=None):
    """``y_pred`` as a floating Tensor (``dtype`` when given; integers become float32)."""
    y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(y_pred)
    want = dtype if dtype is not None else (None if y_pred.dtype.kind == "f" else "float32")
    if want is not None and y_pred.dtype != want:
        y_pred = _cast(y_pred, want)
    return y_pred


def as_true(y_true, like, cast=True):
    """``y_true`` on ``like``'s device, cast to its dtype unless ``cast`` is False (labels)."""
    if not isinstance(y_true, Tensor):
        y_true = Tensor(y_true, device=like.device)
    if cast and y_true.dtype != like.dtype:
        y_true = _cast(y_true, like.dtype)
    return y_true


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras' rule for ranks that differ by one trailing 1: (N,) vs (N, 1) meet at (N, 1)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = expand_dims(x2, -1)
        else:
            x1 = squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = expand_dims(x1, -1)
        else:
            x2 = squeeze(x2, -1)
    return x1, x2


def axis_last(x, axis):
    """Move ``axis`` to the end: the kernels reduce over the last axis only."""
    if x.ndim == 0:
        return x
    ax = axis % x.ndim if -x.ndim <= axis < x.ndim else None
    if ax is None:
        raise ValueError(f"axis {axis} is out of range for y_pred of shape {x.shape}")
    if ax == x.ndim - 1:
        return x
    return transpose(x, [i for i in range(x.ndim) if i != ax] + [ax])


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        return False


def pair(name, y_true, y_pred, axis=-1):
    y_pred = as_pred(y_pred)
    y_true = as_true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape and "crossentropy" not in name and \
            _broadcasts_to(y_true.shape, y_pred.shape):
        # Keras: regression and hinge losses broadcast y_true - y_pred; its crossentropy ops
        # insist on equal shapes
        y_true = broadcast_to(y_true, y_pred.shape)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape; received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    if y_pred.ndim == 0:
        raise ValueError(f"{name}: y_pred must have rank >= 1; received a scalar")
    return axis_last(y_true, axis), axis_last(y_pred, axis)


def softmax_logits(y_pred, from_logits, axis):
    """The logits behind a softmax output (Keras's ``_keras_logits``), else ``y_pred`` as is."""
    logits = getattr(y_pred, "_keras_logits", None) if isinstance(y_pred, Tensor) else None
    if from_logits or logits is None or axis not in (-1, y_pred.ndim - 1):
        return y_pred, from_logits
    return logits, True


def sparse_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """(per-sample loss, valid mask or None): the mask feeds the reduction's denominator."""
    name = "sparse_categorical_crossentropy"
    y_pred, from_logits = softmax_logits(y_pred, from_logits, axis)
    y_pred = axis_last(as_pred(y_pred), axis)
    y_true = as_true(y_true, y_pred, cast=False)
    if y_true.dtype.kind not in "iu":
        y_true = _cast(y_true, "int64")  # Keras accepts float label arrays
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = squeeze(y_true, -1)
    if y_pred.ndim == 0 or y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"{name}: y_true must hold one integer label per row of y_pred, shape "
                         f"{y_pred.shape[:-1]} (or with a trailing 1); received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    mask = None
    if ignore_class is not None:
        mask = not_equal(y_true, int(ignore_class))
        y_true = where(mask, y_true, 0)  # any valid label: the result is masked out below
    per = loss(name, y_true, y_pred, from_logits=bool(from_logits))
    if mask is not None:
        per = where(mask, per, 0.0)
    return per, mask


__all__ = ["loss"]
