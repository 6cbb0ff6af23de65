"""Last-axis twins (``kernels/rows.cu``, ``kernels/cf_rows.cuh``): softmax, log_softmax and their
gradients, logsumexp, row max and argmax.

A last axis of size 0 is rejected (ValueError) except by softmax and log_softmax; a batch of size
0 works everywhere. NaN anywhere in a row makes the row NaN (argmax returns the first NaN, as
NumPy does). Rows containing -inf (not all) are finite; a row of all -inf gives NaN softmax and
-inf logsumexp; +inf in a row gives NaN softmax and +inf logsumexp. Large finite logits
(+-3e38) give finite results.
"""

from __future__ import annotations

import math

import numpy as np

from .common import _IEEE, _as_compute, _ieee, acc_dtype, check_float, check_same_shape


def _row_max(x):
    # np.max of an empty axis raises; callers only reach here with rows that have columns.
    return np.max(x, axis=-1, keepdims=True)


def _sumexp(x, m):
    return np.sum(np.exp(x - m), axis=-1, keepdims=True, dtype=acc_dtype(x.dtype))


def _rowwise_input(x, what="x", allow_empty_rows=False):
    x = np.asarray(x)
    check_float(x, what)
    if x.ndim < 1:
        raise ValueError(f"{what} needs at least one axis, received a 0-d array")
    if not allow_empty_rows and x.shape[-1] == 0 and x.size == 0 and \
            math.prod(x.shape[:-1]) > 0:
        raise ValueError(f"{what} has an empty last axis (shape {x.shape}); the reduction over "
                         "it is undefined")
    return x


@_ieee
def softmax_forward(x):
    """softmax over the last axis: exp(x - max) / sum."""
    x = _rowwise_input(x, allow_empty_rows=True)
    if x.size == 0:
        return x.copy()
    xc = _as_compute(x)
    with np.errstate(**_IEEE):
        m = _row_max(xc)
        s = _sumexp(xc, m).astype(xc.dtype)
        y = np.exp(xc - m) / s
    return y.astype(x.dtype)


@_ieee
def log_softmax_forward(x):
    x = _rowwise_input(x, allow_empty_rows=True)
    if x.size == 0:
        return x.copy()
    xc = _as_compute(x)
    with np.errstate(**_IEEE):
        m = _row_max(xc)
        y = (xc - m) - np.log(_sumexp(xc, m).astype(xc.dtype))
    return y.astype(x.dtype)


def _row_backward_inputs(y, dy):
    """Validated (y, y, dy) of a row function's backward, the last two in compute precision."""
    y = _rowwise_input(y, "y", allow_empty_rows=True)
    dy = np.asarray(dy)
    check_float(dy, "dy")
    check_same_shape(y, dy, "y", "dy")
    return y, _as_compute(y), _as_compute(dy)


@_ieee
def softmax_backward(y, dy):
    """dx = y * (dy - sum(dy * y)), y the softmax output."""
    y, yc, dyc = _row_backward_inputs(y, dy)
    with np.errstate(**_IEEE):
        dot = np.sum(dyc * yc, axis=-1, keepdims=True, dtype=acc_dtype(y.dtype)).astype(yc.dtype)
        dx = yc * (dyc - dot)
    return dx.astype(y.dtype)


@_ieee
def log_softmax_backward(y, dy):
    """dx = dy - exp(y) * sum(dy), y the log_softmax output."""
    y, yc, dyc = _row_backward_inputs(y, dy)
    with np.errstate(**_IEEE):
        tot = np.sum(dyc, axis=-1, keepdims=True, dtype=acc_dtype(y.dtype)).astype(yc.dtype)
        dx = dyc - np.exp(yc) * tot
    return dx.astype(y.dtype)


@_ieee
def logsumexp(x):
    """log(sum(exp(x))) over the last axis; a row whose max is +-inf returns that max."""
    x = _rowwise_input(x)
    if x.size == 0:
        return np.empty(x.shape[:-1], x.dtype)
    xc = _as_compute(x)
    with np.errstate(**_IEEE):
        m = _row_max(xc)
        safe = np.where(np.isinf(m), 0, m).astype(xc.dtype)
        s = _sumexp(xc, safe).astype(xc.dtype)
        out = np.where(np.isinf(m), m, m + np.log(s))
    return out[..., 0].astype(x.dtype)


@_ieee
def row_max(x):
    x = _rowwise_input(x)
    if x.size == 0:
        return np.empty(x.shape[:-1], x.dtype)
    return np.max(x, axis=-1)


@_ieee
def row_argmax(x):
    """argmax over the last axis (int64); NaN wins (first NaN), ties go to the first index."""
    x = _rowwise_input(x)
    if x.size == 0:
        return np.empty(x.shape[:-1], np.int64)
    return np.argmax(x, axis=-1).astype(np.int64)

