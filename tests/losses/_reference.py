"""Independent float64 NumPy references of the Keras losses (per sample, reduced over the last
axis) and the random data the loss tests draw from."""

from __future__ import annotations

import math

import numpy as np

import cuflow as cf

EPS = 1e-7
R = np.random.default_rng(11)


# ---- references ---------------------------------------------------------------------------------

def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def ref_mse(t, p):
    return np.mean((t - p) ** 2, -1)


def ref_mae(t, p):
    return np.mean(np.abs(t - p), -1)


def ref_mape(t, p):
    return 100 * np.mean(np.abs(t - p) / np.maximum(np.abs(t), EPS), -1)


def ref_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), -1)


def ref_log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), -1)


def ref_bce(t, p, from_logits=False, ls=0.0):
    t = t * (1 - ls) + 0.5 * ls
    q = 1 / (1 + np.exp(-p)) if from_logits else np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q)), -1)


def ref_cce(t, p, from_logits=False, ls=0.0):
    t = t * (1 - ls) + ls / t.shape[-1]
    if from_logits:
        return -np.sum(t * _log_softmax(p), -1)
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(t * np.log(q), -1)


def ref_scce(k, p, from_logits=False):
    logq = _log_softmax(p) if from_logits else np.log(np.clip(p / p.sum(-1, keepdims=True),
                                                              EPS, 1 - EPS))
    return -np.take_along_axis(logq, k[..., None], -1)[..., 0]


def ref_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), -1)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0), -1)


def ref_squared_hinge(t, p):
    return np.mean(np.maximum(1 - _hinge_labels(t) * p, 0) ** 2, -1)


def ref_categorical_hinge(t, p):
    pos = np.sum(t * p, -1)
    neg = np.max((1 - t) * p, -1)
    return np.maximum(neg - pos + 1, 0)


def ref_cosine(t, p):
    tn = t / np.sqrt(np.sum(t * t, -1, keepdims=True))
    pn = p / np.sqrt(np.sum(p * p, -1, keepdims=True))
    return -np.sum(tn * pn, -1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), -1)


def ref_bfce(t, p, balance=False, alpha=0.25, gamma=2.0, logits=False, ls=0.0, axis=-1):
    t = t * (1 - ls) + 0.5 * ls if ls else t
    p = 1 / (1 + np.exp(-p)) if logits else p
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(axis)


def ref_cfce(t, p, alpha=0.25, gamma=2.0, logits=False, ls=0.0, axis=-1):
    t, p = np.moveaxis(t, axis, -1), np.moveaxis(p, axis, -1)
    if ls:
        t = t * (1 - ls) + ls / t.shape[-1]
    if logits:
        e = np.exp(p - p.max(-1, keepdims=True))
        p = e / e.sum(-1, keepdims=True)
    out = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (np.asarray(alpha) * (1 - out) ** gamma * -t * np.log(out)).sum(-1)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    tp = (t * p).sum(axis)
    return 1 - tp / (tp + alpha * ((1 - p) * t).sum(axis) + beta * (p * (1 - t)).sum(axis) + EPS)


def ref_dice(t, p, axis=None):
    return 1 - 2 * (t * p).sum(axis) / (t.sum(axis) + p.sum(axis) + EPS)


def ref_ctc(labels, logits, blank=0):
    """-log p(labels | logits) by the probability-space forward recursion over all paths, one
    sample (labels: the used label ids; logits: (T, C))."""
    e = np.exp(logits - logits.max(-1, keepdims=True))
    y = e / e.sum(-1, keepdims=True)
    ext = [blank]
    for c in labels:
        ext += [int(c), blank]
    s_n = len(ext)
    a = np.zeros(s_n)
    a[0] = y[0, ext[0]]
    if s_n > 1:
        a[1] = y[0, ext[1]]
    for t in range(1, len(y)):
        new = np.zeros(s_n)
        for s in range(s_n):
            acc = a[s] + (a[s - 1] if s >= 1 else 0.0)
            if s >= 2 and s % 2 == 1 and ext[s] != ext[s - 2]:
                acc += a[s - 2]
            new[s] = acc * y[t, ext[s]]
        a = new
    p = a[-1] + (a[-2] if s_n > 1 else 0.0)
    return -math.log(p) if p > 0 else math.inf


def ref_circle(labels, emb, ref_labels=None, ref=None, remove_diagonal=True, gamma=80.0,
               margin=0.4):
    ref = emb if ref is None else ref
    ref_labels = labels if ref_labels is None else ref_labels
    out = []
    for i in range(len(emb)):
        d = np.maximum(1 - ref @ emb[i], 0)
        pos = ref_labels == labels[i]
        if remove_diagonal and i < len(ref):
            pos[i] = False
        neg = ref_labels != labels[i]
        if not pos.any() or not neg.any():
            out.append(0.0)
            continue
        lp = -gamma * np.maximum(margin + d[pos], 0) * (margin - d[pos])
        ln = gamma * np.maximum(1 + margin - d[neg], 0) * (1 - margin - d[neg])
        lse = lambda v: v.max() + np.log(np.exp(v - v.max()).sum())  # noqa: E731
        z = lse(lp) + lse(ln)
        out.append(max(z, 0) + np.log1p(np.exp(-abs(z))))
    return np.array(out)


# ---- data ---------------------------------------------------------------------------------------

def onehot(shape):
    k = R.integers(0, shape[-1], size=shape[:-1])
    return np.eye(shape[-1])[k]


def probs(shape):
    return _softmax(R.normal(size=shape))


def anyv(shape):
    return R.uniform(-2, 2, size=shape)


def posv(shape):
    return R.uniform(0.2, 2, size=shape)


def binary(shape):
    return R.integers(0, 2, size=shape).astype(np.float64)


S = (4, 5)
S3 = (2, 3, 4)


def _on(device, *arrays):
    return [cf.Tensor(a, device=device) for a in arrays]
