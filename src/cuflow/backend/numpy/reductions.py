"""Reduction twins (``kernels/reductions.cu``): the batch sum of bias gradients, the global L2
norm of many arrays, and accuracy counts (all accumulated in float64, as the kernels)."""

from __future__ import annotations

import math

import numpy as np

from .common import (
    _IEEE,
    _ieee,
    acc_dtype,
    check_float,
    check_name,
    check_same_shape,
    sparse_label_shape,
)
from .rows import _rowwise_input, row_argmax

ACCURACY_KINDS = ("sparse", "categorical", "binary")


@_ieee
def sum_batch(x):
    """Sum over axis 0 (bias gradient), accumulated in float64; shape x.shape[1:]."""
    x = np.asarray(x)
    check_float(x)
    if x.ndim < 1:
        raise ValueError("sum_batch needs at least one axis, received a 0-d array")
    return np.sum(x, axis=0, dtype=acc_dtype(np.float32)).astype(x.dtype)


@_ieee
def global_l2_norm(arrays):
    """sqrt of the sum of squares of every array (float64 accumulation); a 0-d array, float64
    if any input is float64 else float32."""
    arrays = [np.asarray(a) for a in arrays]
    out = np.float32
    total = 0.0
    for a in arrays:
        check_float(a, "arrays[i]")
        if a.dtype == np.float64:
            out = np.float64
        v = a.astype(np.float64).ravel()
        total += float(v @ v)
    return np.asarray(math.sqrt(total), dtype=out)


@_ieee
def accuracy_count(y_true, y_pred, kind, threshold=0.5):
    """Number of correct predictions as a 0-d int64 array.

    kind "sparse": argmax(y_pred) == y_true (labels of shape y_pred.shape[:-1], trailing 1
    allowed; any numeric dtype, compared by value like Keras); "categorical": argmax(y_pred) ==
    argmax(y_true); "binary": (y_pred > threshold) == y_true elementwise, y_true cast to
    y_pred's dtype. Out-of-range sparse labels simply never match (nothing is indexed by them).
    """
    check_name(kind, ACCURACY_KINDS, "accuracy kind")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_float(y_pred, "y_pred")
    if kind == "binary":
        check_same_shape(y_true, y_pred)
        with np.errstate(**_IEEE):
            hits = (y_pred > threshold).astype(y_pred.dtype) == y_true.astype(y_pred.dtype)
        return np.asarray(np.count_nonzero(hits), dtype=np.int64)
    _rowwise_input(y_pred, "y_pred")
    if kind == "sparse":
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"y_true must be numeric, received dtype {y_true.dtype}")
        want = sparse_label_shape(y_true, y_pred)
        if y_pred.size == 0:
            return np.asarray(0, dtype=np.int64)
        hits = row_argmax(y_pred) == y_true.reshape(want)
    else:
        check_same_shape(y_true, y_pred)
        if y_pred.size == 0:
            return np.asarray(0, dtype=np.int64)
        hits = row_argmax(y_pred) == np.argmax(y_true, axis=-1)
    return np.asarray(np.count_nonzero(hits), dtype=np.int64)
