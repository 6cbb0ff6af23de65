"""Probabilistic losses: binary, categorical and sparse categorical crossentropy (and their
focal forms), Kullback-Leibler divergence and Poisson."""

from __future__ import annotations

from .. import ops
from ..ops.losses import as_pred, as_true, pair, softmax_logits, sparse_crossentropy
from ..tensor import Tensor
from .loss import EPSILON, LossFunctionWrapper, _elementwise, _wrapper_class

# ---- crossentropy -------------------------------------------------------------------------------

def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample mean binary crossentropy over ``axis``."""
    y_true, y_pred = pair("binary_crossentropy", y_true, y_pred, axis)
    return ops.loss("binary_crossentropy", y_true, y_pred, from_logits=bool(from_logits),
                    label_smoothing=float(label_smoothing))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample crossentropy between one-hot (or soft) targets and class scores on ``axis``."""
    y_pred, from_logits = softmax_logits(y_pred, from_logits, axis)
    y_true, y_pred = pair("categorical_crossentropy", y_true, y_pred, axis)
    return ops.loss("categorical_crossentropy", y_true, y_pred, from_logits=bool(from_logits),
                    label_smoothing=float(label_smoothing))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Per-sample crossentropy with integer labels (0 where ``y_true == ignore_class``)."""
    return sparse_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


# ---- focal crossentropy -------------------------------------------------------------------------

def _focal_power(x, gamma):
    """``x ** gamma``; gamma 0 is a constant 1 (ops.power's gradient would be 0 * inf at 0)."""
    return ops.ones_like(x) if gamma == 0 else ops.power(x, float(gamma))


def _clipped_bce(y_true, p):
    """Keras's ops.binary_crossentropy on probabilities: p clipped to [eps, 1 - eps]."""
    p = ops.clip(p, EPSILON, 1.0 - EPSILON)
    return -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample mean over ``axis`` of ``(1 - p_t)**gamma * bce`` (Lin et al., 2018), with
    ``p_t = y*p + (1-y)*(1-p)``; ``apply_class_balancing`` weighs class 1 by ``alpha`` and class
    0 by ``1 - alpha``."""
    y_true, y_pred = pair("binary_focal_crossentropy", y_true, y_pred, axis)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = _focal_power(1.0 - p_t, gamma) * _clipped_bce(y_true, y_pred)
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=-1)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Per-sample ``sum(alpha * (1 - p)**gamma * -y*log(p))`` over the class ``axis``, with
    ``p`` renormalised to sum to 1 and clipped to [eps, 1 - eps]; ``alpha`` is a number or one
    weight per class."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")
    y_true, y_pred = pair("categorical_focal_crossentropy", y_true, y_pred, axis)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = ops.softmax(y_pred)
    output = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    output = ops.clip(output, EPSILON, 1.0 - EPSILON)
    if not isinstance(alpha, (int, float)):
        alpha = alpha if isinstance(alpha, Tensor) else Tensor(alpha, dtype=y_pred.dtype,
                                                                device=y_pred.device)
        alpha = as_true(alpha, y_pred)
    focal = _focal_power(1.0 - output, gamma) * alpha * (-y_true * ops.log(output))
    return ops.sum(focal, axis=-1)


# ---- divergences --------------------------------------------------------------------------------

kl_divergence = _elementwise("kl_divergence")
poisson = _elementwise("poisson")
# Keras' short names
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy


# ---- classes ------------------------------------------------------------------------------------

class BinaryCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing),
                         axis=axis)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis


class CategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing),
                         axis=axis)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Integer labels; with ``ignore_class`` those entries count neither in the sum nor in the
    ``sum_over_batch_size`` denominator (Keras 3)."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=bool(from_logits), ignore_class=ignore_class)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class

    def _call_with_mask(self, y_true, y_pred):
        return sparse_crossentropy(y_true, as_pred(y_pred, self.dtype), self.from_logits,
                          self.ignore_class)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy scaled by the focal factor ``(1 - p_t)**gamma``, optionally
    class-balanced by ``alpha``."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=bool(apply_class_balancing), alpha=float(alpha),
                         gamma=float(gamma), from_logits=bool(from_logits),
                         label_smoothing=float(label_smoothing), axis=axis)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha, self.gamma = float(alpha), float(gamma)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy scaled by ``alpha * (1 - p)**gamma`` per class."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        alpha = float(alpha) if isinstance(alpha, (int, float)) else [float(a) for a in alpha]
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, alpha=alpha, gamma=float(gamma),
                         from_logits=bool(from_logits), label_smoothing=float(label_smoothing),
                         axis=axis)
        self.alpha, self.gamma = alpha, float(gamma)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis


KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence",
                              "Kullback-Leibler divergence sum(y_true * log(y_true / y_pred)).")
Poisson = _wrapper_class("Poisson", poisson, "poisson", "Mean of y_pred - y_true * log(y_pred).")


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Per-sample ``(1 - p**q) / q`` with ``p`` the probability y_pred gives the integer label
    ``y_true`` (Zhang & Sabuncu, 2018): crossentropy as q -> 0, mean absolute error at q = 1."""
    y_pred = as_pred(y_pred)
    labels = ops.cast(as_true(y_true, y_pred, cast=False), "int32")
    onehot = ops.cast(ops.one_hot(labels, int(y_pred.shape[-1])), y_pred.dtype)
    p = ops.sum(y_pred * onehot, axis=-1)
    return (1.0 - ops.power(p, float(q))) / q


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """The generalized crossentropy for noisy integer labels; ``q`` in (0, 1)."""

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1); received q={q!r}")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name,
                         dtype=dtype, q=q)
        self.q = q


class ShapeResolvedCrossentropy(LossFunctionWrapper):
    """``compile(loss="crossentropy")`` (or "ce"), as Keras: binary crossentropy when y_pred has
    one column, sparse categorical when y_true has a lower rank (or one column against several),
    else categorical; decided from the shapes of each call."""

    def __init__(self, name="crossentropy", reduction="sum_over_batch_size", dtype=None):
        super().__init__(self._pick, reduction=reduction, name=name, dtype=dtype)

    @staticmethod
    def _pick(y_true, y_pred):
        t_shape = tuple(getattr(y_true, "shape", ()))
        p_shape = tuple(y_pred.shape)
        if p_shape and p_shape[-1] == 1:
            return binary_crossentropy(y_true, y_pred)
        if len(t_shape) < len(p_shape) or (t_shape and t_shape[-1] == 1 and p_shape[-1] > 1):
            return sparse_categorical_crossentropy(y_true, y_pred)
        return categorical_crossentropy(y_true, y_pred)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}


__all__ = [
    "BCE", "CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "KLD", "KLDivergence", "Poisson",
    "SparseCategoricalCrossentropy", "bce", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "kl_divergence", "kld",
    "kullback_leibler_divergence", "poisson", "sparse_categorical_crossentropy"
]
