"""Loss twins (``kernels/losses.cu``, ``kernels/cf_losses.cuh``): per-sample value and input
gradient in one pass.

Shapes follow Keras 3: ``per_sample`` has shape ``y_pred.shape[:-1]`` (the last axis is reduced:
mean for elementwise losses, sum for ``kl_divergence`` and the crossentropies), so a rank-1
``y_pred`` of shape ``(N,)`` gives a 0-d per-sample value, exactly like Keras. ``d_pred`` is
d(per_sample)/d(y_pred). Sparse labels have shape ``y_pred.shape[:-1]`` (a trailing axis of size
1 is accepted).

NaN / Inf rule: NaN in y_true or y_pred gives a NaN loss and NaN gradient for that element (so a
NaN per-sample loss); in the row losses a NaN anywhere in a row makes the row NaN. ``0 * log 0``
is taken as 0 in crossentropy. Probabilities exactly 0 and 1 and logits at +-3e38 give finite
results.
"""

from __future__ import annotations

import math

import numpy as np

from ..names import ELEM_LOSS_KERNELS, LOSSES
from .common import (
    _IEEE,
    _as_compute,
    _ieee,
    _mul0,
    _pass,
    _sigmoid,
    _softplus,
    acc_dtype,
    bad_label_error,
    check_float,
    check_integer_labels,
    check_name,
    check_same_shape,
    sparse_label_shape,
)
from .rows import _row_max, _sumexp

# Losses whose last-axis reduction is a sum (the others are means).
SUM_LOSSES = frozenset({"kl_divergence", "categorical_crossentropy",
                        "sparse_categorical_crossentropy"})
# The elementwise losses: their kernels' entries, without the from_logits variant.
ELEMENTWISE_LOSSES = tuple(k for k in ELEM_LOSS_KERNELS if not k.endswith("_logits"))
FROM_LOGITS_LOSSES = frozenset({"binary_crossentropy", "categorical_crossentropy",
                                "sparse_categorical_crossentropy"})
SMOOTHING_LOSSES = frozenset({"binary_crossentropy", "categorical_crossentropy"})

EPSILON = 1e-7  # Keras' backend.epsilon()
LOG2 = 0.69314718055994530941723212145818


def loss_options(name, from_logits, label_smoothing, n):
    """Validated (kernel_name, ls_a, ls_b): label smoothing as t' = t * ls_a + ls_b."""
    if from_logits and name not in FROM_LOGITS_LOSSES:
        raise ValueError(f"from_logits=True is only valid for {sorted(FROM_LOGITS_LOSSES)}, "
                         f"not {name!r}")
    ls = float(label_smoothing)
    if ls and name not in SMOOTHING_LOSSES:
        raise ValueError(f"label_smoothing is only valid for {sorted(SMOOTHING_LOSSES)}, "
                         f"not {name!r}")
    if not 0.0 <= ls <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], received {label_smoothing}")
    ls_b = 0.5 * ls if name == "binary_crossentropy" else (ls / n if n else 0.0)
    kernel = name + "_logits" if from_logits else name
    return kernel, 1.0 - ls, ls_b


def _elem_loss(kernel, t, p, delta):
    """(l, g) per element, mirroring the cf_loss_* structs."""
    lo, hi = EPSILON, 1.0 - EPSILON
    if kernel == "mean_squared_error":
        e = p - t
        return e * e, 2 * e
    if kernel == "mean_absolute_error":
        e = p - t
        return np.abs(e), np.sign(e)
    if kernel == "huber":
        e = p - t
        a = np.abs(e)
        quad = a <= delta
        return (np.where(quad, 0.5 * e * e, delta * a - 0.5 * delta * delta),
                np.where(quad, e, delta * np.sign(e)))
    if kernel == "log_cosh":
        e = p - t
        a = np.abs(e)
        return a + _softplus(-2 * a) - LOG2, np.tanh(e)
    if kernel == "binary_crossentropy":
        q = np.clip(p, lo, hi)
        g = _pass((p >= lo) & (p <= hi), p) * (-t / q + (1 - t) / (1 - q))
        return -(t * np.log(q) + (1 - t) * np.log(1 - q)), g
    if kernel == "binary_crossentropy_logits":
        tail = np.log1p(np.exp(-np.abs(p)))
        loss = np.where(p >= 0, _mul0(1 - t, p) + tail, tail - _mul0(t, p))
        return loss, _sigmoid(p) - t
    if kernel == "kl_divergence":
        tc, pc = np.clip(t, lo, 1), np.clip(p, lo, 1)
        return tc * np.log(tc / pc), _pass((p >= lo) & (p <= 1), p) * (-tc / pc)
    if kernel == "hinge":
        m = 1 - t * p
        return np.maximum(m, 0), np.where(m > 0, -t, 0)
    if kernel == "squared_hinge":
        m = np.maximum(1 - t * p, 0)
        return m * m, -2.0 * t * m
    if kernel == "poisson":
        q = p + EPSILON
        return p - t * np.log(q), 1 - t / q
    if kernel == "mean_absolute_percentage_error":
        d = np.maximum(np.abs(t), EPSILON)
        return 100.0 * (np.abs(t - p) / d), 100.0 * np.sign(p - t) / d
    if kernel == "mean_squared_logarithmic_error":
        pm, tm = np.maximum(p, lo) + 1, np.maximum(t, lo) + 1
        e = np.log(pm) - np.log(tm)
        return e * e, _pass(p >= lo, p) * 2.0 * e / pm
    raise AssertionError(kernel)


def _onehot(k, n, like):
    return np.arange(n) == k[..., None]


def _row_loss(kernel, t, p, labels, ls_a, ls_b):
    """(loss[rows], grad) for the row-wise losses, mirroring cf_losses.cuh."""
    acc = acc_dtype(p.dtype)
    n = p.shape[-1]
    lo, hi = EPSILON, 1.0 - EPSILON

    def rsum(v):
        return np.sum(v, axis=-1, keepdims=True, dtype=acc)

    if kernel in ("categorical_crossentropy", "categorical_crossentropy_logits"):
        tj = t * ls_a + ls_b
        if kernel == "categorical_crossentropy":
            s = rsum(p).astype(p.dtype)
            q = p / s
            qc = np.clip(q, lo, hi)
            loss = rsum(-(tj * np.log(qc))).astype(p.dtype)
            gq = _pass((q >= lo) & (q <= hi), q) * (-tj / qc)
            d = rsum(gq * q).astype(p.dtype)
            return loss[..., 0], (gq - d) / s
        m = _row_max(p)
        s = _sumexp(p, m).astype(p.dtype)
        lse = m + np.log(s)
        loss = rsum(_mul0(tj, lse - p)).astype(p.dtype)
        ts = rsum(tj).astype(p.dtype)
        return loss[..., 0], np.exp(p - m) / s * ts - tj
    if kernel in ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy_logits"):
        hot = _onehot(labels, n, p)
        xk = np.take_along_axis(p, labels[..., None], axis=-1)
        if kernel == "sparse_categorical_crossentropy":
            s = rsum(p).astype(p.dtype)
            q = xk / s
            qc = np.clip(q, lo, hi)
            gq = _pass((q >= lo) & (q <= hi), q) * (-1 / qc)
            return -np.log(qc)[..., 0], (np.where(hot, gq, 0) - gq * q) / s
        m = _row_max(p)
        s = _sumexp(p, m).astype(p.dtype)
        return ((m + np.log(s)) - xk)[..., 0], np.exp(p - m) / s - hot
    if kernel == "categorical_hinge":
        pos = rsum(t * p).astype(p.dtype)
        v = (1 - t) * p
        k = np.argmax(v, axis=-1)
        neg = np.take_along_axis(v, k[..., None], axis=-1)
        margin = neg - pos + 1
        g = -t + np.where(_onehot(k, n, p), 1 - t, 0)
        g = np.where(margin > 0, g, np.where(np.isnan(margin), margin, 0))
        return np.maximum(margin, 0)[..., 0], g
    if kernel == "cosine_similarity":
        tt, pp, tp = rsum(t * t), rsum(p * p), rsum(t * p)
        cap = 1.0 / EPSILON
        rt = np.minimum(1 / np.sqrt(tt), cap)
        rp_raw = 1 / np.sqrt(pp)
        clipped = rp_raw > cap
        rp = np.where(clipped, cap, rp_raw)
        up = tp * rt
        u = t.astype(acc) * rt
        g = -rp * u + np.where(clipped, 0, up * rp * rp * rp * p.astype(acc))
        return (-(up * rp))[..., 0].astype(p.dtype), g.astype(p.dtype)
    raise AssertionError(kernel)


def _hinge_binary(t):
    return bool(np.all((t == 0) | (t == 1)))


def _check_loss_inputs(name, y_true, y_pred, from_logits, label_smoothing):
    check_name(name, LOSSES, "loss")
    check_float(y_pred, "y_pred")
    if y_pred.ndim < 1:
        raise ValueError("y_pred needs at least one axis (the last axis is reduced), received "
                         "a 0-d array")
    n = y_pred.shape[-1]
    if n == 0 and math.prod(y_pred.shape[:-1]) > 0:
        raise ValueError(f"y_pred has an empty last axis (shape {y_pred.shape}); the loss "
                         "reduces over it")
    if name == "sparse_categorical_crossentropy":
        check_integer_labels(y_true)
        sparse_label_shape(y_true, y_pred)
    else:
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"y_true must be numeric, received dtype {y_true.dtype}")
        check_same_shape(y_true, y_pred)
    return loss_options(name, from_logits, label_smoothing, n)


@_ieee
def loss_forward_backward(name, y_true, y_pred, from_logits=False, label_smoothing=0.0,
                          delta=1.0, need_grad=True):
    """Fused Keras loss: (per_sample, d_pred), see the module docstring for shapes."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    kernel, ls_a, ls_b = _check_loss_inputs(name, y_true, y_pred, from_logits, label_smoothing)
    out_shape = y_pred.shape[:-1]
    n = y_pred.shape[-1]
    p = _as_compute(y_pred)
    labels = None
    if name == "sparse_categorical_crossentropy":
        labels = y_true.reshape(out_shape)
        if labels.size:
            lo_, hi_ = labels.min(), labels.max()
            if lo_ < 0 or hi_ >= n:
                raise bad_label_error(lo_ if lo_ < 0 else hi_, n)
        labels = labels.astype(np.int64)
        t = None
    else:
        t = y_true.astype(p.dtype)
    if y_pred.size == 0:
        per = np.zeros(out_shape, y_pred.dtype)
        return per, (np.zeros_like(y_pred) if need_grad else None)
    if name in ("hinge", "squared_hinge") and _hinge_binary(t):
        ls_a, ls_b = 2.0, -1.0
    with np.errstate(**_IEEE):
        if kernel in ELEMENTWISE_LOSSES or kernel == "binary_crossentropy_logits":
            t = t * ls_a + ls_b
            lel, g = _elem_loss(kernel, t, p, p.dtype.type(delta))
            bad = np.isnan(t) | np.isnan(p)
            lel = np.where(bad, t + p, lel)
            g = np.where(bad, lel, g)
            scale = 1.0 if name in SUM_LOSSES else 1.0 / n
            per = np.sum(lel, axis=-1, dtype=acc_dtype(p.dtype)).astype(p.dtype) * scale
            grad = g * scale
        else:
            per, grad = _row_loss(kernel, t, p, labels, ls_a, ls_b)
    per = np.asarray(per, dtype=y_pred.dtype)
    return per, (np.asarray(grad, dtype=y_pred.dtype) if need_grad else None)


@_ieee
def sparse_softmax_cross_entropy(logits, labels, need_grad=True):
    """Fused softmax + sparse crossentropy from logits: (loss[...], dlogits)."""
    return loss_forward_backward("sparse_categorical_crossentropy", labels, logits,
                                 from_logits=True, need_grad=need_grad)

