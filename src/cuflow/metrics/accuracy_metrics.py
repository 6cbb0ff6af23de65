"""Accuracy metrics: functions returning per-sample matches, and their running-mean classes.

Unweighted updates of the classes use the backend's fused ``accuracy_count`` kernel (one launch,
an int64 count on the device); weighted ones compute per-sample matches with xp math.
"""

from __future__ import annotations

import numpy as np

from ._inputs import argmax_last, kernel, squeeze_or_expand_to_same_rank, to_arrays
from .base import MeanMetricWrapper, functional


def _accuracy(bk, y_true, y_pred):
    """1.0 where y_true == y_pred elementwise, else 0.0."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).astype(np.float32)


def _binary_accuracy(bk, y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    hits = (y_pred > threshold).astype(y_true.dtype) == y_true
    return bk.xp.mean(hits.astype(np.float32), axis=-1)


def _categorical_accuracy(bk, y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot labels), per sample."""
    return (argmax_last(bk, y_true) == argmax_last(bk, y_pred)).astype(np.float32)


def _sparse_labels(y_true, y_pred):
    # Labels of shape y_pred.shape[:-1] or with a trailing 1 (Keras squeezes it).
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"sparse labels must have shape {tuple(y_pred.shape[:-1])} (y_pred's "
                         f"shape without its last axis, or with a trailing 1) for y_pred of "
                         f"shape {tuple(y_pred.shape)}; received {tuple(y_true.shape)}")
    return y_true


def _sparse_categorical_accuracy(bk, y_true, y_pred):
    """1.0 where argmax(y_pred) == the integer (or integral float) label, per sample."""
    y_true = _sparse_labels(y_true, y_pred)
    return (argmax_last(bk, y_pred) == y_true).astype(np.float32)


def _in_top_k(xp, target_scores, y_pred, k):
    # TF's in_top_k: the target is in the top k when fewer than k scores beat it strictly, so
    # ties with the k-th score count as hits. No sort: one comparison pass, GPU friendly.
    beaten_by = xp.sum(y_pred > target_scores[..., None], axis=-1)
    return (beaten_by < k).astype(np.float32)


def _top_k_categorical_accuracy(bk, y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest scores, per sample."""
    xp = bk.xp
    labels = argmax_last(bk, y_true)
    scores = xp.take_along_axis(y_pred, labels[..., None], axis=-1)[..., 0]
    return _in_top_k(xp, scores, y_pred, k)


def _sparse_top_k_categorical_accuracy(bk, y_true, y_pred, k=5):
    """1.0 where the integer label's class is among the k highest scores, per sample."""
    xp = bk.xp
    labels = _sparse_labels(y_true, y_pred)
    n = y_pred.shape[-1]
    valid = (labels >= 0) & (labels < n)  # out-of-range labels never match, never index
    idx = xp.where(valid, labels, 0).astype(np.int64)
    scores = xp.take_along_axis(y_pred, idx[..., None], axis=-1)[..., 0]
    return _in_top_k(xp, scores, y_pred, k) * valid


accuracy = functional(_accuracy)
binary_accuracy = functional(_binary_accuracy)
categorical_accuracy = functional(_categorical_accuracy)
sparse_categorical_accuracy = functional(_sparse_categorical_accuracy)
top_k_categorical_accuracy = functional(_top_k_categorical_accuracy)
sparse_top_k_categorical_accuracy = functional(_sparse_top_k_categorical_accuracy)


class _CountedAccuracy(MeanMetricWrapper):
    """Unweighted updates go through the fused count kernel when the shapes are the plain ones."""

    _direction = "up"
    _kind = None  # accuracy_count kind

    def update_state(self, y_true, y_pred, sample_weight=None):
        bk, yt, yp, sw = to_arrays(y_true, y_pred, sample_weight)
        count = kernel(bk, "accuracy_count") if sw is None else None
        if count is None or not self._kernel_shapes(yt, yp):
            return self._accumulate(bk, self._values(bk, yt, yp), sw)
        if self._kind == "binary" and yt.ndim == 1:
            yt = yt[:, None]  # (N,) labels for (N, 1) predictions, as Keras expands them
        state = self._ensure_state(bk)
        hits = count(yt, yp, self._kind, **self._fn_kwargs)
        # per-sample values are means over the last axis for binary accuracy, so the sum of
        # per-sample values is hits / (elements per sample)
        per_sample = yp.shape[-1] if self._kind == "binary" else 1
        state["total"] += hits / per_sample if per_sample != 1 else hits
        state["count"] += yp.shape[0]

    def _kernel_shapes(self, yt, yp):
        if yp.dtype.kind != "f" or yp.ndim != 2 or yp.shape[-1] == 0:
            return False
        if self._kind == "sparse":
            return yt.dtype.kind in "biuf" and tuple(yt.shape) in (yp.shape[:1], (yp.shape[0], 1))
        if self._kind == "binary" and yp.shape[1] == 1 and tuple(yt.shape) == yp.shape[:1]:
            return True
        return tuple(yt.shape) == tuple(yp.shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_CountedAccuracy):
    """How often ``y_pred > threshold`` matches binary labels."""

    _kind = "binary"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_CountedAccuracy):
    """How often argmax(y_pred) matches argmax of one-hot labels."""

    _kind = "categorical"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_CountedAccuracy):
    """How often argmax(y_pred) matches integer labels of shape (N,) or (N, 1)."""

    _kind = "sparse"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the ``k`` highest predictions."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
