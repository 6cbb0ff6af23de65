"""Keras losses (``tf.keras.losses`` / Keras 3 semantics) over ``cuflow.ops.loss``.

The math of every built-in loss lives in the backend's fused kernels (``ops.loss``: per-sample
value and d loss / d y_pred in one pass). This module owns what Keras puts around the math:
aligning ``y_true`` with ``y_pred``, sample weights, masks and the reduction to a scalar.
"""

from __future__ import annotations

import re

from . import ops
from .tensor import Tensor

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


class Reduction:
    """tf.keras 2's reduction names, so ``reduction=losses.Reduction.SUM`` code ports as is."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"


def standardize_reduction(reduction):
    """A reduction name as stored: None -> "none"; "auto" (tf.keras 2) -> sum_over_batch_size."""
    if reduction is None:
        return "none"
    if isinstance(reduction, str):
        r = reduction.lower()
        r = "sum_over_batch_size" if r == "auto" else r
        if r in REDUCTIONS:
            return r
    raise ValueError(f"Invalid reduction {reduction!r}; expected one of {', '.join(REDUCTIONS)} "
                     f"or None")


# ---- input alignment ---------------------------------------------------------------------------

def _as_pred(y_pred, dtype=None):
    """``y_pred`` as a floating Tensor (``dtype`` when given; integers become float32)."""
    y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(y_pred)
    want = dtype if dtype is not None else (None if y_pred.dtype.kind == "f" else "float32")
    if want is not None and y_pred.dtype != want:
        y_pred = ops.cast(y_pred, want)
    return y_pred


def _as_true(y_true, like, cast=True):
    """``y_true`` on ``like``'s device, cast to its dtype unless ``cast`` is False (labels)."""
    if not isinstance(y_true, Tensor):
        y_true = Tensor(y_true, device=like.device)
    if cast and y_true.dtype != like.dtype:
        y_true = ops.cast(y_true, like.dtype)
    return y_true


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras' rule for ranks that differ by one trailing 1: (N,) vs (N, 1) meet at (N, 1)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def _axis_last(x, axis):
    """Move ``axis`` to the end: the kernels reduce over the last axis only."""
    if x.ndim == 0:
        return x
    ax = axis % x.ndim if -x.ndim <= axis < x.ndim else None
    if ax is None:
        raise ValueError(f"axis {axis} is out of range for y_pred of shape {x.shape}")
    if ax == x.ndim - 1:
        return x
    return ops.transpose(x, [i for i in range(x.ndim) if i != ax] + [ax])


def _pair(name, y_true, y_pred, axis=-1):
    y_pred = _as_pred(y_pred)
    y_true = _as_true(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape; received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    if y_pred.ndim == 0:
        raise ValueError(f"{name}: y_pred must have rank >= 1; received a scalar")
    return _axis_last(y_true, axis), _axis_last(y_pred, axis)


def _elementwise(name, **kw):
    def fn(y_true, y_pred):
        y_true, y_pred = _pair(name, y_true, y_pred)
        return ops.loss(name, y_true, y_pred, **kw)

    fn.__name__ = name
    fn.__doc__ = f"Per-sample ``{name}`` (reduced over the last axis), shape y_pred.shape[:-1]."
    return fn


# ---- loss functions: per-sample Tensors ---------------------------------------------------------

mean_squared_error = _elementwise("mean_squared_error")
mean_absolute_error = _elementwise("mean_absolute_error")
mean_absolute_percentage_error = _elementwise("mean_absolute_percentage_error")
mean_squared_logarithmic_error = _elementwise("mean_squared_logarithmic_error")
log_cosh = _elementwise("log_cosh")
kl_divergence = _elementwise("kl_divergence")
hinge = _elementwise("hinge")
squared_hinge = _elementwise("squared_hinge")
categorical_hinge = _elementwise("categorical_hinge")
poisson = _elementwise("poisson")


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss: quadratic within ``delta`` of the target, linear beyond."""
    y_true, y_pred = _pair("huber", y_true, y_pred)
    return ops.loss("huber", y_true, y_pred, delta=float(delta))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample mean binary crossentropy over ``axis``."""
    y_true, y_pred = _pair("binary_crossentropy", y_true, y_pred, axis)
    return ops.loss("binary_crossentropy", y_true, y_pred, from_logits=bool(from_logits),
                    label_smoothing=float(label_smoothing))


def _softmax_logits(y_pred, from_logits, axis):
    """The logits behind a softmax output (Keras's ``_keras_logits``), else ``y_pred`` as is."""
    logits = getattr(y_pred, "_keras_logits", None) if isinstance(y_pred, Tensor) else None
    if from_logits or logits is None or axis not in (-1, y_pred.ndim - 1):
        return y_pred, from_logits
    return logits, True


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample crossentropy between one-hot (or soft) targets and class scores on ``axis``."""
    y_pred, from_logits = _softmax_logits(y_pred, from_logits, axis)
    y_true, y_pred = _pair("categorical_crossentropy", y_true, y_pred, axis)
    return ops.loss("categorical_crossentropy", y_true, y_pred, from_logits=bool(from_logits),
                    label_smoothing=float(label_smoothing))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample negative cosine similarity over ``axis`` (-1: same direction)."""
    y_true, y_pred = _pair("cosine_similarity", y_true, y_pred, axis)
    return ops.loss("cosine_similarity", y_true, y_pred)


def _sparse_ce(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """(per-sample loss, valid mask or None): the mask feeds the reduction's denominator."""
    name = "sparse_categorical_crossentropy"
    y_pred, from_logits = _softmax_logits(y_pred, from_logits, axis)
    y_pred = _axis_last(_as_pred(y_pred), axis)
    y_true = _as_true(y_true, y_pred, cast=False)
    if y_true.dtype.kind not in "iu":
        y_true = ops.cast(y_true, "int64")  # Keras accepts float label arrays
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    if y_pred.ndim == 0 or y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"{name}: y_true must hold one integer label per row of y_pred, shape "
                         f"{y_pred.shape[:-1]} (or with a trailing 1); received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")
    mask = None
    if ignore_class is not None:
        mask = ops.not_equal(y_true, int(ignore_class))
        y_true = ops.where(mask, y_true, 0)  # any valid label: the result is masked out below
    per = ops.loss(name, y_true, y_pred, from_logits=bool(from_logits))
    if mask is not None:
        per = ops.where(mask, per, 0.0)
    return per, mask


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Per-sample crossentropy with integer labels (0 where ``y_true == ignore_class``)."""
    return _sparse_ce(y_true, y_pred, from_logits, ignore_class, axis)[0]


# ---- focal, overlap, sequence and metric-learning losses (composed from ops) ------------------

EPSILON = 1e-7  # keras.backend.epsilon()


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
    y_true, y_pred = _pair("binary_focal_crossentropy", y_true, y_pred, axis)
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
    y_true, y_pred = _pair("categorical_focal_crossentropy", y_true, y_pred, axis)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = ops.softmax(y_pred)
    output = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    output = ops.clip(output, EPSILON, 1.0 - EPSILON)
    if not isinstance(alpha, (int, float)):
        alpha = alpha if isinstance(alpha, Tensor) else Tensor(alpha, dtype=y_pred.dtype,
                                                                device=y_pred.device)
        alpha = _as_true(alpha, y_pred)
    focal = _focal_power(1.0 - output, gamma) * alpha * (-y_true * ops.log(output))
    return ops.sum(focal, axis=-1)


def _overlap_pair(y_true, y_pred):
    y_pred = _as_pred(y_pred)
    return squeeze_or_expand_to_same_rank(_as_true(y_true, y_pred), y_pred)


def dice(y_true, y_pred, axis=None):
    """``1 - 2*sum(y*p) / (sum(y) + sum(p) + eps)`` over ``axis`` (None: every element, a
    scalar)."""
    y_true, y_pred = _overlap_pair(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    inter = ops.sum(y_true * y_pred, axis=axis)
    return 1.0 - 2.0 * inter / (ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis)
                                + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha*sum((1-p)*y) + beta*sum(p*(1-y)) + eps)`` over ``axis`` (None:
    every element); alpha = beta = 0.5 is the Dice loss."""
    y_true, y_pred = _overlap_pair(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    inter = ops.sum(y_true * y_pred, axis=axis)
    fp = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - inter / (inter + fp * alpha + fn * beta + EPSILON)


def _host_labels(y, what):
    import numpy as np

    arr = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    if arr.dtype.kind not in "iufb":
        raise ValueError(f"{what} must hold integer labels; received dtype {arr.dtype}")
    return arr


def ctc(y_true, y_pred):
    """Per-sample CTC loss. ``y_true``: (batch, max_length) integer labels, 0 being the blank
    (the label length of a row is its number of non-zero entries, taken from the front);
    ``y_pred``: (batch, max_time, num_classes) logits, not softmax-normalised; every sample
    uses all ``max_time`` frames."""
    y_pred = _as_pred(y_pred)
    labels = _host_labels(y_true, "ctc: y_true")
    if labels.ndim != 2:
        raise ValueError("Targets `y_true` are expected to be a tensor of shape "
                         "`(batch_size, max_length)` in integer format. "
                         f"Received: y_true.shape={labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError("Logits `y_pred` are expected to be a tensor of shape "
                         "`(batch_size, max_length, num_classes)`. "
                         f"Received: y_pred.shape={y_pred.shape}")
    labels = labels.astype("int64")
    label_length = (labels != 0).sum(axis=-1)
    input_length = [y_pred.shape[1]] * y_pred.shape[0]
    return ops.ctc_loss(labels, y_pred, label_length, input_length, mask_index=0)


def _circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
            gamma=80.0, margin=0.4):
    """(per-query loss, valid mask): rows without a positive or a negative are 0 and masked."""
    import numpy as np

    y_pred = _as_pred(y_pred)
    ref = y_pred if ref_embeddings is None else _as_true(ref_embeddings, y_pred)
    q_lab = _as_true(y_true, y_pred, cast=False)
    k_lab = q_lab if ref_labels is None else _as_true(ref_labels, y_pred, cast=False)
    q_lab = ops.cast(ops.reshape(q_lab, (-1, 1)), "int64")
    k_lab = ops.cast(ops.reshape(k_lab, (1, -1)), "int64")
    if y_pred.ndim != 2 or ref.ndim != 2 or q_lab.shape[0] != y_pred.shape[0] \
            or k_lab.shape[1] != ref.shape[0]:
        raise ValueError(f"circle: expected embeddings (batch, dim) with one label each; "
                         f"received y_pred {y_pred.shape} with {q_lab.shape[0]} labels and "
                         f"reference embeddings {ref.shape} with {k_lab.shape[1]} labels")
    pos = ops.equal(q_lab, k_lab)
    neg = ops.logical_not(pos)
    if remove_diagonal:
        off = Tensor(~np.eye(pos.shape[0], pos.shape[1], dtype=bool), device=y_pred.device)
        pos = ops.logical_and(pos, off)
    dist = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref)), 0.0)
    pos_f, neg_f = ops.cast(pos, dist.dtype), ops.cast(neg, dist.dtype)
    pos_w = ops.maximum((margin + dist) * pos_f, 0.0)
    neg_w = ops.maximum((1.0 + margin - dist) * neg_f, 0.0)
    pos_d = -gamma * pos_w * (margin - dist)
    neg_d = gamma * neg_w * ((1.0 - margin) - dist)
    has_pos, has_neg = ops.any(pos, axis=1), ops.any(neg, axis=1)
    # rows with no candidates would make logsumexp log(0) (and 0/0 in its gradient): give them
    # a finite stand-in and zero the result below, as Keras's softplus(-inf) = 0 does
    p_in = ops.where(ops.expand_dims(has_pos, 1), ops.where(pos, pos_d, float("-inf")), 0.0)
    n_in = ops.where(ops.expand_dims(has_neg, 1), ops.where(neg, neg_d, float("-inf")), 0.0)
    valid = ops.logical_and(has_pos, has_neg)
    loss = ops.where(valid, ops.softplus(ops.logsumexp(p_in, axis=1)
                                         + ops.logsumexp(n_in, axis=1)), 0.0)
    return loss, ops.greater(loss, 0.0)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80.0, margin=0.4):
    """Per-query Circle loss (Sun et al., 2020) between integer labels and L2-normalised
    embeddings, against ``ref_embeddings``/``ref_labels`` (default: the batch itself)."""
    return _circle(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma,
                   margin)[0]


# Keras' short names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy


# ---- reduction -------------------------------------------------------------------------------

def _align_weight(values, sample_weight):
    """``sample_weight`` as a Tensor that broadcasts against the per-sample ``values``."""
    sw = _as_true(sample_weight, values)
    while sw.ndim > values.ndim and sw.shape[-1] == 1:  # (N, 1) weights for (N,) losses
        sw = ops.squeeze(sw, -1)
    if 0 < sw.ndim < values.ndim:  # (N,) weights for (N, T) losses: one weight per sample
        sw = ops.reshape(sw, sw.shape + (1,) * (values.ndim - sw.ndim))
    return sw


def _shape_of(x):
    return tuple(getattr(x, "shape", ()))


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weight per-sample ``values`` by ``sample_weight`` and ``mask`` and reduce them.

    ``sum_over_batch_size`` / ``mean`` divide the weighted sum by the number of loss elements
    (the valid ones where a mask is given), ``mean_with_sample_weight`` by the sum of weights.
    """
    reduction = standardize_reduction(reduction)
    weighted, sw = values, None
    if sample_weight is not None:
        sw = _align_weight(values, sample_weight)
    if mask is not None:
        m = ops.cast(mask, values.dtype)
        if reduction in ("sum_over_batch_size", "mean"):
            # valid entries weigh total / valid so the final division by total means "over valid"
            m = m * (m.size / ops.maximum(ops.sum(m), 1.0))
        sw = m if sw is None else sw * m
    if sw is not None:
        try:
            weighted = values * sw
        except ValueError:
            raise ValueError(f"sample_weight of shape {_shape_of(sample_weight)} does not "
                             f"broadcast to the per-sample loss of shape {values.shape}") from None
    if reduction == "none" or weighted.ndim == 0:
        return weighted
    total = ops.sum(weighted)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sw is not None:
        # every weight is repeated weighted.size / sw.size times by broadcasting
        denom = ops.sum(sw) * (weighted.size / max(sw.size, 1))
        safe = ops.where(denom == 0, 1.0, denom)
        return ops.where(denom == 0, 0.0, total / safe)
    return total / max(weighted.size, 1)  # an empty batch gives 0, as divide_no_nan


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


# ---- classes ---------------------------------------------------------------------------------

class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample losses."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name if name is not None else _snake(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        values, mask = self._call_with_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def _call_with_mask(self, y_true, y_pred):
        return self.call(y_true, _as_pred(y_pred, self.dtype)), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A Loss around a function ``fn(y_true, y_pred, **kwargs)`` -> per-sample losses."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name if name is not None else getattr(fn, "__name__", None),
                         reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _call_with_mask(self, y_true, y_pred):
        masked = _MASKED_FUNCTIONS.get(getattr(self.fn, "__name__", None))
        if masked is not None and masked[0] is self.fn:  # Keras's loss mask rides on the values
            return masked[1](y_true, _as_pred(y_pred, self.dtype), **self._fn_kwargs)
        return super()._call_with_mask(y_true, y_pred)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper:
            config["fn"] = get(config["fn"])
        return cls(**config)


def _wrapper_class(cls_name, fn, default_name, doc):
    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype)

    return type(cls_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                                   "__module__": __name__})


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                                  "Mean of squares of errors over the last axis.")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error", "Mean absolute error.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "100 * mean(|y_true - y_pred| / max(|y_true|, eps)).")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean of (log(1 + y_pred) - log(1 + y_true))**2.")
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh", "Mean of log(cosh(y_pred - y_true)).")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence",
                              "Kullback-Leibler divergence sum(y_true * log(y_true / y_pred)).")
Hinge = _wrapper_class("Hinge", hinge, "hinge",
                       "Mean of max(1 - y_true * y_pred, 0); 0/1 labels become -1/1.")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge",
                              "Mean of max(1 - y_true * y_pred, 0)**2.")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                                  "max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0).")
Poisson = _wrapper_class("Poisson", poisson, "poisson", "Mean of y_pred - y_true * log(y_pred).")


class Huber(LossFunctionWrapper):
    """Quadratic for |error| <= delta, linear beyond."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=float(delta))


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
        return _sparse_ce(y_true, _as_pred(y_pred, self.dtype), self.from_logits,
                          self.ignore_class)


class CosineSimilarity(LossFunctionWrapper):
    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)


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


def _axis_arg(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


class Dice(LossFunctionWrapper):
    """``1 - 2*sum(y*p) / (sum(y) + sum(p))`` over ``axis`` (None: the whole batch at once)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype,
                         axis=_axis_arg(axis))
        self.axis = _axis_arg(axis)


class Tversky(LossFunctionWrapper):
    """Dice generalised: false positives weigh ``alpha``, false negatives ``beta``."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype,
                         alpha=float(alpha), beta=float(beta), axis=_axis_arg(axis))
        self.alpha, self.beta, self.axis = float(alpha), float(beta), _axis_arg(axis)


class CTC(LossFunctionWrapper):
    """Connectionist Temporal Classification: dense labels (0 = blank/padding), logits."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)


class Circle(LossFunctionWrapper):
    """Circle loss over integer labels and L2-normalised embeddings; queries with no positive
    (or no negative) pair lose 0 and, as Keras's loss mask says, do not count in the mean."""

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype,
                         gamma=float(gamma), margin=float(margin),
                         remove_diagonal=bool(remove_diagonal))
        self.gamma, self.margin = float(gamma), float(margin)
        self.remove_diagonal = bool(remove_diagonal)


# functions whose Keras result carries a loss mask: name -> (function, (values, mask) twin)
_MASKED_FUNCTIONS = {"circle": (circle, _circle)}


# ---- lookup and (de)serialization -----------------------------------------------------------

_CLASSES = {c.__name__: c for c in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Hinge, SquaredHinge, CategoricalHinge,
    CosineSimilarity, Poisson, BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice,
    Tversky, CTC, Circle)}
_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, hinge,
    squared_hinge, categorical_hinge, cosine_similarity, poisson, binary_focal_crossentropy,
    categorical_focal_crossentropy, dice, tversky, ctc, circle)}
_FUNCTIONS.update({"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
                   "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld,
                   "kullback_leibler_divergence": kld, "logcosh": log_cosh, "bce": bce,
                   "BCE": bce})
_USER_CLASSES = ("Loss", "LossFunctionWrapper")  # not constructible from a bare name


def _valid_names():
    return sorted(set(_FUNCTIONS) | (set(_CLASSES) - set(_USER_CLASSES)))


def _unknown(identifier):
    return ValueError(f"Unknown loss {identifier!r}; valid names: {', '.join(_valid_names())}")


def serialize(loss):
    """A Loss -> {"class_name", "config"}; a loss function -> its name; None -> None."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if callable(loss) and hasattr(loss, "__name__"):
        return loss.__name__
    raise ValueError(f"cannot serialize {loss!r} as a loss: expected a Loss or a function")


def deserialize(config, custom_objects=None):
    """Inverse of ``serialize``; classes are looked up by name, never imported."""
    custom = dict(custom_objects or {})
    if config is None:
        return None
    if isinstance(config, str):
        obj = custom.get(config) or _FUNCTIONS.get(config) or (
            _CLASSES.get(config) if config not in _USER_CLASSES else None)
        if obj is None:
            raise _unknown(config)
        return obj() if isinstance(obj, type) else obj
    if isinstance(config, dict) and "class_name" in config:
        name = config["class_name"]
        if name == "function":  # Keras 3 writes a function as {"class_name": "function", ...}
            return deserialize(config.get("config"), custom_objects)
        cls = custom.get(name) or _CLASSES.get(name)
        if cls is None:
            raise _unknown(name)
        return cls.from_config(config.get("config") or {})
    raise ValueError(f"cannot deserialize a loss from {config!r}: expected a name or a dict with "
                     f"'class_name' and 'config'")


def get(identifier):
    """A loss from a name, class, instance, callable or config dict (None stays None)."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier {identifier!r}: expected a name "
                     f"(one of {', '.join(_valid_names())}), a Loss, a function or a config dict")


__all__ = sorted(["Loss", "LossFunctionWrapper", "REDUCTIONS", "Reduction", "deserialize", "get",
                  "reduce_weighted_values", "serialize", "squeeze_or_expand_to_same_rank",
                  "standardize_reduction", *_CLASSES, *_FUNCTIONS])
