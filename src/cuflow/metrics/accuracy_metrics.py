"""Accuracy metrics: functions returning per-sample matches, and their running-mean classes.

Unweighted updates of the classes use the backend's fused ``accuracy_count`` kernel (one launch,
an int64 count on the device); weighted ones compute per-sample matches with ops.
"""

from __future__ import annotations

from .. import ops
from ..backend import get_backend
from ..tensor import Tensor
from ._inputs import add_to, argmax, pick_last, squeeze_or_expand_to_same_rank, to_tensors
from .base import MeanMetricWrapper, functional


def _hits(condition):
    return ops.cast(condition, "float32")


def _accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred elementwise, else 0.0."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _hits(ops.equal(y_true, y_pred))


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) == y_true, elementwise (Keras 3: the metric wrapper
    averages per sample)."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    hits = ops.equal(ops.cast(ops.greater(y_pred, threshold), y_true.dtype), y_true)
    return _hits(hits)


def _categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot labels), per sample."""
    return _hits(ops.equal(argmax(y_true), argmax(y_pred)))


def _sparse_labels(y_true, y_pred):
    # Labels of shape y_pred.shape[:-1] or with a trailing 1 (Keras squeezes it).
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"sparse labels must have shape {tuple(y_pred.shape[:-1])} (y_pred's "
                         f"shape without its last axis, or with a trailing 1) for y_pred of "
                         f"shape {tuple(y_pred.shape)}; received {tuple(y_true.shape)}")
    return y_true


def _sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == the integer (or integral float) label, per sample."""
    y_true = _sparse_labels(y_true, y_pred)
    return _hits(ops.equal(argmax(y_pred), y_true))


def _in_top_k(target_scores, y_pred, k):
    # TF's in_top_k: the target is in the top k when fewer than k scores beat it strictly, so
    # ties with the k-th score count as hits. No sort: one comparison pass, GPU friendly.
    beaten_by = ops.sum(ops.greater(y_pred, target_scores[..., None]), axis=-1)
    return _hits(ops.less(beaten_by, k))


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest scores, per sample."""
    scores = pick_last(y_pred, argmax(y_true))
    return _in_top_k(scores, y_pred, k)


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label's class is among the k highest scores, per sample; with
    ``from_sorted_ids`` y_pred holds class ids sorted by score and the first k are searched."""
    if from_sorted_ids:
        shape = tuple(y_true.shape)
        ids = ops.reshape(y_pred, (-1, y_pred.shape[-1]))[:, :k]
        labels = ops.cast(ops.reshape(y_true, (-1, 1)), ids.dtype)
        hits = ops.any(ops.equal(labels, ids), axis=1)
        return ops.reshape(_hits(hits), shape if len(shape) > 1 else (-1,))
    labels = _sparse_labels(y_true, y_pred)
    n = y_pred.shape[-1]
    # out-of-range labels never match, never index
    valid = ops.logical_and(ops.greater_equal(labels, 0), ops.less(labels, n))
    idx = ops.cast(ops.where(valid, labels, 0), "int64")
    return _in_top_k(pick_last(y_pred, idx), y_pred, k) * valid


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
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        hits = self._count(yt, yp) if sw is None and self._kernel_shapes(yt, yp) else None
        if hits is None:
            return self._accumulate(self._values(yt, yp), sw)
        state = self._ensure_state(yp.device)
        # per-sample values are means over the last axis for binary accuracy, so the sum of
        # per-sample values is hits / (elements per sample)
        per_sample = yp.shape[-1] if self._kind == "binary" else 1
        add_to(state["total"], ops.divide(hits, per_sample) if per_sample != 1 else hits)
        add_to(state["count"], yp.shape[0])

    def _count(self, yt, yp):
        """The number of hits (0-d int64 on the device) from the backend's fused kernel: one
        launch and no per-sample buffer. None while that backend's kernels are missing."""
        if self._kind == "binary" and yt.ndim == 1:
            yt = yt[:, None]  # (N,) labels for (N, 1) predictions, as Keras expands them
        try:
            hits = get_backend(yp.device).accuracy_count(yt.data, yp.data, self._kind,
                                                         **self._fn_kwargs)
        except ImportError:
            return None
        return Tensor._wrap(hits)

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
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        kwargs = {"from_sorted_ids": True} if from_sorted_ids else {}
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         **kwargs)
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)
