"""Metrics that are the running mean of a per-sample loss: crossentropies, hinges, KL divergence,
Poisson, log-cosh, MSLE and cosine similarity (Keras 3's probabilistic, hinge and regression
loss metrics).

The per-sample values come from ``ops.loss`` over the backend's fused loss kernels (one launch;
the inputs need no gradient, so no gradient buffer), the same math the training losses use; the
metric classes only align the inputs (Keras' rank rule, ``axis`` moved last) and average.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ._inputs import arange, squeeze_or_expand_to_same_rank, to_tensors
from .base import MeanMetricWrapper, functional


def _float_pred(y_pred):
    return y_pred if y_pred.dtype.kind == "f" else ops.cast(y_pred, "float32")


def _last(x, axis):
    """``x`` with ``axis`` moved last (the kernels reduce over the last axis), C-contiguous."""
    if x.ndim == 0:
        raise ValueError("y_pred must have rank >= 1; received a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for y_pred of shape {tuple(x.shape)}")
    if axis % x.ndim == x.ndim - 1:
        return x
    moved = ops.moveaxis(x, axis, -1)
    # flattening a transposed view copies it in C order: the rows the kernels reduce are then
    # contiguous, as the kernels (and NumPy's pairwise sums) see them in the default layout
    return ops.reshape(ops.reshape(moved, (-1,)), moved.shape)


def _dense_loss(name, y_true, y_pred, axis=-1, **kw):
    """Per-sample ``name`` loss for dense targets of y_pred's shape (after Keras' rank rule)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"{name}: y_true and y_pred must have the same shape; received "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    y_true = ops.cast(y_true, y_pred.dtype)
    return ops.loss(name, _last(y_true, axis), _last(y_pred, axis), **kw)


def _binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean binary crossentropy over ``axis``, per sample."""
    return _dense_loss("binary_crossentropy", y_true, y_pred, axis,
                       from_logits=bool(from_logits), label_smoothing=float(label_smoothing))


def _categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                              axis=-1):
    """Crossentropy between one-hot (or soft) targets and class scores on ``axis``, per sample."""
    return _dense_loss("categorical_crossentropy", y_true, y_pred, axis,
                       from_logits=bool(from_logits), label_smoothing=float(label_smoothing))


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                     ignore_class=None):
    """Crossentropy with integer labels against class scores on ``axis``, per sample; NaN
    for a label outside [0, classes), 0 for ``ignore_class``.

    The labels go through the categorical kernel as one-hot rows (the same value): the sparse
    kernel's wrapper checks the label range on the host, a device sync a metric must not make.
    """
    y_pred = _last(_float_pred(y_pred), axis)
    if y_true.dtype.kind not in "biu":
        y_true = ops.cast(y_true, "int64")  # Keras accepts float label arrays
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"sparse_categorical_crossentropy: y_true must hold one integer label "
                         f"per row of y_pred, shape {tuple(y_pred.shape[:-1])} (or with a "
                         f"trailing 1); received {tuple(y_true.shape)} for y_pred of shape "
                         f"{tuple(y_pred.shape)}")
    n = y_pred.shape[-1]
    one_hot = ops.cast(ops.equal(y_true[..., None], arange(y_pred.device, n)), y_pred.dtype)
    per = ops.loss("categorical_crossentropy", one_hot, y_pred, from_logits=bool(from_logits))
    valid = ops.logical_and(ops.greater_equal(y_true, 0), ops.less(y_true, n))
    if ignore_class is not None:
        ignored = ops.equal(y_true, ignore_class)
        return ops.where(ignored, 0.0, ops.where(valid, per, np.nan))
    return ops.where(valid, per, np.nan)


def _kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [1e-7, 1]."""
    return _dense_loss("kl_divergence", y_true, y_pred)


def _poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + 1e-7)) over the last axis."""
    return _dense_loss("poisson", y_true, y_pred)


def _hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; 0/1 labels become -1/1."""
    return _dense_loss("hinge", y_true, y_pred)


def _squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2) over the last axis; 0/1 labels become -1/1."""
    return _dense_loss("squared_hinge", y_true, y_pred)


def _categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0), per sample."""
    return _dense_loss("categorical_hinge", y_true, y_pred)


def _log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis."""
    return _dense_loss("log_cosh", y_true, y_pred)


def _mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(y_true + 1) - log(y_pred + 1)) ** 2) over the last axis (values floored at
    1e-7)."""
    return _dense_loss("mean_squared_logarithmic_error", y_true, y_pred)


def _cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) over ``axis``: 1 for the same
    direction (the loss of the same name is its negative)."""
    return -_dense_loss("cosine_similarity", y_true, y_pred, axis)


binary_crossentropy = functional(_binary_crossentropy)
categorical_crossentropy = functional(_categorical_crossentropy)
sparse_categorical_crossentropy = functional(_sparse_categorical_crossentropy)
kl_divergence = functional(_kl_divergence)
poisson = functional(_poisson)
hinge = functional(_hinge)
squared_hinge = functional(_squared_hinge)
categorical_hinge = functional(_categorical_hinge)
log_cosh = functional(_log_cosh)
mean_squared_logarithmic_error = functional(_mean_squared_logarithmic_error)
cosine_similarity = functional(_cosine_similarity)


class _LossMetric(MeanMetricWrapper):
    """A MeanMetricWrapper whose function is fixed by the class; lower is better."""

    _direction = "down"

    def __init__(self, name, dtype=None, **kwargs):
        super().__init__(type(self)._function, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)


class BinaryCrossentropy(_LossMetric):
    """The mean binary crossentropy between 0/1 labels and probabilities (or logits)."""

    _function = staticmethod(binary_crossentropy)

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMetric):
    """The mean crossentropy between one-hot labels and class probabilities (or logits)."""

    _function = staticmethod(categorical_crossentropy)

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_LossMetric):
    """The mean crossentropy between integer labels and class probabilities (or logits)."""

    _function = staticmethod(sparse_categorical_crossentropy)

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        kwargs = {"ignore_class": ignore_class} if ignore_class is not None else {}
        super().__init__(name, dtype, from_logits=from_logits, axis=axis, **kwargs)
        self.ignore_class = ignore_class

    def update_state(self, y_true, y_pred, sample_weight=None):
        """As Keras: ignored labels count 0; with sample weights their weight is dropped too
        (the loss mask applies to weighted updates only)."""
        if self.ignore_class is None or sample_weight is None:
            return super().update_state(y_true, y_pred, sample_weight)
        yt, yp, sw = to_tensors(y_true, y_pred, sample_weight)
        keep = ops.cast(ops.not_equal(ops.reshape(yt, sw.shape) if yt.size == sw.size else yt,
                                      self.ignore_class), sw.dtype if sw.dtype.kind == "f"
                        else "float32")
        self._accumulate(self._values(yt, yp), sw * keep)


class KLDivergence(_LossMetric):
    """The mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``."""

    _function = staticmethod(kl_divergence)

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name, dtype)


class Poisson(_LossMetric):
    """The mean Poisson loss ``mean(y_pred - y_true * log(y_pred))``."""

    _function = staticmethod(poisson)

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name, dtype)


class Hinge(_LossMetric):
    """The mean hinge loss; 0/1 labels are read as -1/1."""

    _function = staticmethod(hinge)

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name, dtype)


class SquaredHinge(_LossMetric):
    """The mean squared hinge loss; 0/1 labels are read as -1/1."""

    _function = staticmethod(squared_hinge)

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name, dtype)


class CategoricalHinge(_LossMetric):
    """The mean categorical hinge loss between one-hot labels and scores."""

    _function = staticmethod(categorical_hinge)

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name, dtype)


class LogCoshError(_LossMetric):
    """The mean of log(cosh(prediction error))."""

    _function = staticmethod(log_cosh)

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name, dtype)


class MeanSquaredLogarithmicError(_LossMetric):
    """The mean squared difference of log(1 + y)."""

    _function = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name, dtype)


class CosineSimilarity(_LossMetric):
    """The mean cosine similarity between labels and predictions along ``axis``."""

    _direction = "up"
    _function = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name, dtype, axis=axis)
