"""Intersection-over-union metrics: a weighted (num_classes, num_classes) confusion matrix
accumulated on the device with one weighted histogram per update (rows: labels, columns:
predictions); ``result`` reads IoU = tp / (tp + fp + fn) per class from it."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor
from ._inputs import add_to, argmax, broadcast, tensors, to_tensors, weighted_histogram
from .base import Metric

EPSILON = 1e-7  # Keras' backend.epsilon()


def _class_count(num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(f"Argument `num_classes` must be a positive integer. Received: "
                         f"num_classes={num_classes!r}")
    return int(num_classes)


def _in_range(ids, n):
    return ops.logical_and(ops.greater_equal(ids, 0), ops.less(ids, n))


class _IoUBase(Metric):
    """The confusion matrix; subclasses read their IoU from it."""

    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = _class_count(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((self.num_classes, self.num_classes), dtype="float64",
                                          name="total_confusion_matrix")

    def _weights(self, sw, labels):
        """Weights per label, flattened. Keras flattens them and broadcasts; weights of a
        leading part of the label shape (one per sample of a segmentation map) are also
        spread over the trailing axes."""
        shape = tuple(labels.shape)
        if sw is None:
            return ops.ones_like(ops.reshape(labels, (-1,)), dtype="float64")
        w = ops.cast(sw, "float64")
        if 0 < w.ndim < len(shape) and tuple(w.shape) == shape[:w.ndim]:
            w = ops.reshape(w, w.shape + (1,) * (len(shape) - w.ndim))
            return ops.reshape(ops.broadcast_to(w, shape), (-1,))
        w = ops.reshape(w, (-1,)) if w.ndim > 1 else w
        return broadcast(w, (int(np.prod(shape)),), f"sample_weight of shape {tuple(sw.shape)} "
                                                    f"does not broadcast to the labels of shape "
                                                    f"{shape}")

    def _update(self, yt, yp, sw):
        n = self.num_classes
        # class ids: argmax over ``axis`` for dense inputs, else truncated to integers (Keras
        # casts through int32)
        if not self.sparse_y_true:
            yt = argmax(yt, axis=self.axis)
        if not self.sparse_y_pred:
            yp = argmax(yp, axis=self.axis)
        if yt.size != yp.size:
            raise ValueError(f"y_true and y_pred hold {yt.size} and {yp.size} labels (shapes "
                             f"{tuple(yt.shape)} and {tuple(yp.shape)}); they must match")
        w = self._weights(sw, yt)
        yt, yp = ops.reshape(yt, (-1,)), ops.reshape(yp, (-1,))
        if yt.dtype.kind == "f":
            yt = ops.trunc(yt)
        if yp.dtype.kind == "f":
            yp = ops.trunc(yp)
        # ignored labels, and ids outside [0, num_classes) (which cannot index the matrix),
        # count with weight 0
        valid = ops.logical_and(_in_range(yt, n), _in_range(yp, n))
        if self.ignore_class is not None:
            valid = ops.logical_and(valid, ops.not_equal(yt, self.ignore_class))
        w = ops.where(valid, w, 0.0)
        index = ops.cast(ops.where(valid, yt * n + yp, 0), "int64")
        cm = ops.reshape(weighted_histogram(index, w, n * n), (n, n))
        add_to(self._ensure_state(yp.device)["total_confusion_matrix"], cm)

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        self._update(yt, yp, sw)


class IoU(_IoUBase):
    """The mean IoU of the classes in ``target_class_ids`` (classes that never occur, in labels
    or predictions, are left out of the mean)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        ids = list(target_class_ids)
        if not ids:
            raise ValueError("Argument `target_class_ids` must list at least one class id")
        if max(ids) >= self.num_classes or min(ids) < 0:
            bad = max(ids) if max(ids) >= self.num_classes else min(ids)
            raise ValueError(f"Target class id {bad} is out of range, which is "
                             f"[0, {self.num_classes}).")
        self.target_class_ids = [int(i) for i in ids]

    def _result(self, xp, state):
        cm = tensors(state)["total_confusion_matrix"]
        tp = ops.diagonal(cm)
        denominator = ops.sum(cm, axis=0) + ops.sum(cm, axis=1) - tp  # tp + fp + fn
        ids = Tensor(np.asarray(self.target_class_ids, dtype=np.int64), device=cm.device)
        tp, denominator = tp[ids], denominator[ids]
        num_valid = ops.cast(ops.sum(ops.greater(denominator, 1e-9)), "float64")
        iou = tp / (denominator + EPSILON)
        return ops.sum(iou) / (num_valid + EPSILON)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels against predictions thresholded at ``threshold`` (>= is class 1),
    averaged over ``target_class_ids`` among (0, 1)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        self._update(yt, ops.cast(ops.greater_equal(yp, self.threshold), "int64"), sw)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(_class_count(num_classes))), name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU for one-hot labels (argmax over ``axis``) and dense (or, with ``sparse_y_pred``,
    integer) predictions."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU for one-hot labels (argmax over ``axis``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
