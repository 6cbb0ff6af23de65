"""More of ``keras.ops.nn``: shrink/threshold activations, sparsemax, GLU, attention, batch and
RMS normalization, PSNR, multi-hot encoding and greedy CTC decoding.

Keras 3 names, signatures and semantics. Elementwise activations record one node whose forward
and backward are a few ``xp`` expressions (NumPy or CuPy); the rest compose existing
differentiable ops, so their gradients are exact by construction.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._core import check_float, normalize_axis, record, to_tensor
from .extra import class_indices


def _const(out, bk):
    return Tensor._wrap(out, backend=bk)


def _elementwise(op, fwd, bwd):
    """An activation from ``fwd(xp, x, *params)`` and ``bwd(xp, x, y, g, *params)``."""

    def make(x, *params):
        x = to_tensor(x)
        check_float(op, x)
        xp = x._backend.xp
        y = fwd(xp, x.data, *params).astype(x.dtype, copy=False)
        return record(y, (x,), lambda g: (bwd(xp, x.data, y, g, *params).astype(g.dtype,
                                                                                   copy=False),),
                      op)

    return make


def _zero(xp, like):
    return xp.zeros((), dtype=like.dtype)


_hard_tanh = _elementwise(
    "hard_tanh", lambda xp, x: xp.clip(x, -1, 1),
    lambda xp, x, y, g: g * ((x >= -1) & (x <= 1)))
_hard_shrink = _elementwise(
    "hard_shrink", lambda xp, x, t: xp.where(xp.abs(x) > t, x, _zero(xp, x)),
    lambda xp, x, y, g, t: g * (xp.abs(x) > t))
_soft_shrink = _elementwise(
    "soft_shrink",
    lambda xp, x, t: xp.where(x > t, x - t, xp.where(x < -t, x + t, _zero(xp, x))),
    lambda xp, x, y, g, t: g * (xp.abs(x) > t))
_sparse_plus = _elementwise(
    "sparse_plus",
    lambda xp, x: xp.where(x <= -1, _zero(xp, x), xp.where(x >= 1, x, (x + 1) ** 2 / 4)),
    lambda xp, x, y, g: g * xp.where(x <= -1, _zero(xp, x),
                                     xp.where(x >= 1, xp.ones((), x.dtype), (x + 1) / 2)))
_squareplus = _elementwise(
    "squareplus", lambda xp, x, b: (x + xp.sqrt(x * x + b)) / 2,
    lambda xp, x, y, g, b: g * (1 + x / xp.sqrt(x * x + b)) / 2)
_tanh_shrink = _elementwise(
    "tanh_shrink", lambda xp, x: x - xp.tanh(x), lambda xp, x, y, g: g * xp.tanh(x) ** 2)
_threshold = _elementwise(
    "threshold", lambda xp, x, t, v: xp.where(x > t, x, xp.asarray(v, dtype=x.dtype)),
    lambda xp, x, y, g, t, v: g * (x > t))


def hard_tanh(x):
    """clip(x, -1, 1); the gradient passes inside [-1, 1]."""
    return _hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _hard_shrink(x, float(threshold))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    return _soft_shrink(x, float(threshold))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)² / 4 for -1 < x < 1, x for x >= 1."""
    return _sparse_plus(x)


def squareplus(x, b=4):
    """(x + sqrt(x² + b)) / 2."""
    if b < 0:
        raise ValueError(f"squareplus: b must be non-negative; received {b!r}")
    return _squareplus(x, float(b))


def tanh_shrink(x):
    """x - tanh(x)."""
    return _tanh_shrink(x)


def threshold(x, threshold, default_value):  # noqa: A002 - Keras' argument name
    """x where x > threshold, else ``default_value``."""
    return _threshold(x, float(threshold), float(default_value))


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b) for the two halves (a, b) of ``x`` along ``axis``."""
    from .nn import sigmoid
    from .shape import split

    x = to_tensor(x)
    check_float("glu", x)
    (ax,) = normalize_axis("glu", axis, x.ndim)
    if x.shape[ax] % 2:
        raise ValueError(f"glu: axis {axis} of shape {x.shape} must have an even size; received "
                         f"{x.shape[ax]}")
    a, b = split(x, 2, axis=ax)
    return a * sigmoid(b)


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Backward: on the support S, g - mean_S(g); zero elsewhere.
    """
    x = to_tensor(x)
    check_float("sparsemax", x)
    if x.ndim == 0:
        raise ValueError("sparsemax needs a tensor of rank >= 1; received a scalar")
    (ax,) = normalize_axis("sparsemax", axis, x.ndim)
    xp = x._backend.xp
    z = xp.moveaxis(x.data, ax, -1)
    n = z.shape[-1]
    zs = -xp.sort(-z, axis=-1)
    cs = xp.cumsum(zs, axis=-1)
    r = xp.arange(1, n + 1, dtype=z.dtype)
    support = (1 + r * zs) > cs
    k = support.sum(-1, keepdims=True)
    csk = xp.take_along_axis(cs, xp.maximum(k - 1, 0).astype(np.int64), -1)
    tau = (csk - 1) / k.astype(z.dtype)
    y = xp.maximum(z - tau, 0).astype(x.dtype)
    on = y > 0

    def backward(g):
        gm = xp.moveaxis(g, ax, -1)
        cnt = xp.maximum(on.sum(-1, keepdims=True), 1).astype(g.dtype)
        mean = (gm * on).sum(-1, keepdims=True) / cnt
        return (xp.moveaxis(xp.where(on, gm - mean, xp.zeros((), g.dtype)), -1, ax),)

    return record(xp.ascontiguousarray(xp.moveaxis(y, -1, ax)), (x,), backward, "sparsemax")


# ---- attention ----------------------------------------------------------------------------------

def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T * scale + bias, masked) V in Keras 3's layout.

    query (B, T, N, H), key and value (B, S, K, H) with N a multiple of K (grouped-query
    attention repeats the K heads); rank-3 inputs (B, T, H) mean one head. ``mask`` is a bool
    tensor broadcastable to (B, N, T, S): False drops the position (as Keras, the logit becomes
    -0.7 * the dtype's max, so a fully masked row is uniform). ``is_causal`` keeps s <= t.
    ``flash_attention`` only selects an implementation in Keras; cuflow computes the same math.
    """
    from .einsum import einsum
    from .elementwise import where
    from .extra import repeat
    from .nn import softmax, tanh
    from .shape import expand_dims, squeeze

    q, k, v = to_tensor(query), to_tensor(key), to_tensor(value)
    for name, t in (("query", q), ("key", k), ("value", v)):
        check_float("dot_product_attention", t)
        if t.ndim not in (3, 4):
            raise ValueError(f"dot_product_attention: {name} must have rank 3 (B, T, H) or 4 "
                             f"(B, T, N, H); received shape {t.shape}")
    if not q.ndim == k.ndim == v.ndim:
        raise ValueError(f"dot_product_attention: query, key and value need the same rank; "
                         f"received shapes {q.shape}, {k.shape} and {v.shape}")
    three = q.ndim == 3
    if three:
        q, k, v = expand_dims(q, 2), expand_dims(k, 2), expand_dims(v, 2)
    b, t, n, h = q.shape
    if k.shape != v.shape or k.shape[0] != b or k.shape[3] != h:
        raise ValueError(f"dot_product_attention: key {k.shape} and value {v.shape} must match "
                         f"each other and query {q.shape} in batch and head size")
    heads = k.shape[2]
    if n % heads:
        raise ValueError(f"dot_product_attention: query heads ({n}) must be a multiple of key "
                         f"heads ({heads})")
    if heads != n:
        k, v = repeat(k, n // heads, axis=2), repeat(v, n // heads, axis=2)
    s = k.shape[1]
    scale = 1.0 / math.sqrt(h) if scale is None else float(scale)
    logits = einsum("btnh,bsnh->bnts", q, k) * scale
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = tanh(logits / cap) * cap
    if bias is not None:
        logits = logits + to_tensor(bias, logits)
    if mask is not None or is_causal:
        xp = logits._backend.xp
        keep = xp.ones((1, 1, t, s), dtype=bool)
        if mask is not None:
            m = to_tensor(mask, logits)
            if m._backend is not logits._backend:
                raise ValueError("dot_product_attention: mask is on another device")
            try:
                keep = keep & m.data.astype(bool)
            except ValueError:
                raise ValueError(f"dot_product_attention: mask of shape {m.shape} does not "
                                 f"broadcast to (B, N, T, S) = {(b, n, t, s)}") from None
        if is_causal:
            keep = keep & xp.tril(xp.ones((t, s), dtype=bool))[None, None]
        neg = -0.7 * float(np.finfo(logits.dtype).max)
        logits = where(_const(keep, logits._backend), logits, neg)
    probs = softmax(logits, axis=-1)
    out = einsum("bnts,bsnh->btnh", probs, v)
    return squeeze(out, 2) if three else out


# ---- normalization and metrics ------------------------------------------------------------------

def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the 1-D statistics along
    ``axis``."""
    from .elementwise import rsqrt
    from .shape import reshape

    x = to_tensor(x)
    check_float("batch_normalization", x)
    (ax,) = normalize_axis("batch_normalization", axis, x.ndim)
    shape = [1] * x.ndim
    shape[ax] = x.shape[ax]

    def vec(name, v):
        v = to_tensor(v, x)
        if v.ndim != 1 or v.shape[0] != x.shape[ax]:
            raise ValueError(f"batch_normalization: {name} must be 1-D of size {x.shape[ax]} "
                             f"(axis {axis} of shape {x.shape}); received shape {v.shape}")
        return reshape(v, tuple(shape))

    inv = rsqrt(vec("variance", variance) + epsilon)
    if scale is not None:
        inv = inv * vec("scale", scale)
    out = (x - vec("mean", mean)) * inv
    if offset is not None:
        out = out + vec("offset", offset)
    return out


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x * rsqrt(mean(x², axis) + epsilon) * scale (epsilon defaults to
    ``cuflow.config.epsilon()``)."""
    from ..config import epsilon as _eps
    from .elementwise import rsqrt
    from .reductions import mean

    x = to_tensor(x)
    check_float("rms_normalization", x)
    if x.ndim == 0:
        from .shape import expand_dims

        x = expand_dims(x, 0)
    eps = _eps() if epsilon is None else float(epsilon)
    out = x * rsqrt(mean(x * x, axis, keepdims=True) + eps)
    return out if scale is None else out * to_tensor(scale, x)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mean((x1 - x2)²))."""
    from .extra import log10
    from .reductions import mean

    a, b = to_tensor(x1), to_tensor(x2)
    if a.shape != b.shape:
        raise ValueError(f"psnr: x1 and x2 need the same shape; received {a.shape} and {b.shape}")
    check_float("psnr", a)
    b = to_tensor(b, a)
    d = a - b
    return 20.0 * math.log10(float(max_val)) - 10.0 * log10(mean(d * d))


# ---- encodings ----------------------------------------------------------------------------------

def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at every class listed in each row of ``inputs`` (rank 1: one row), as Keras.

    ``num_tokens`` is accepted as the older name of ``num_classes``; negative indices are
    ignored (as Keras' one_hot); indices >= num_classes are an error.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported by cuflow")
    x, n = class_indices("multi_hot", inputs, num_classes)
    xp = x._backend.xp
    hot = x.data[..., None] == xp.arange(n)
    out = hot.any(axis=1 if x.ndim > 1 else 0)
    if axis not in (-1, out.ndim - 1):
        out = xp.moveaxis(out, -1, axis)
    return _const(out.astype(dtype or "float32"), x._backend)


def _logaddexp(a, b):
    return np.logaddexp(a, b)


def _ctc_beam_search(x, lens, beam_width, top_paths, blank):
    """Prefix beam search on the host (a data-dependent search: one host copy of the inputs)."""
    bk = x._backend
    data = np.asarray(x.numpy(), dtype=np.float64)
    m = data.max(axis=-1, keepdims=True)
    logp = data - m - np.log(np.exp(data - m).sum(axis=-1, keepdims=True))  # log_softmax
    lengths = np.asarray(lens.numpy()).astype(np.int64)
    bsz, steps, classes = data.shape
    ninf = -np.inf
    decoded = np.full((top_paths, bsz, steps), -1, dtype=np.int32)
    scores = np.full((bsz, top_paths), ninf, dtype=np.float64)
    for b in range(bsz):
        # prefix -> [log p(ending in blank), log p(ending in a label)]
        beams = {(): [ninf, ninf]}
        first = True
        for t in range(steps):
            if t >= lengths[b] and not first:
                continue
            row = logp[b, t]
            nxt = {}
            for prefix, (pb, pnb) in (beams.items() if not first else [((), [0.0, ninf])]):
                total = _logaddexp(pb, pnb)
                e = nxt.setdefault(prefix, [ninf, ninf])
                e[0] = _logaddexp(e[0], total + row[blank])  # a blank keeps the prefix
                for c in range(classes):
                    if c == blank:
                        continue
                    if prefix and prefix[-1] == c:
                        # a repeat without a blank between merges into the same label ...
                        e = nxt[prefix]
                        e[1] = _logaddexp(e[1], pnb + row[c])
                        # ... after a blank it is a new label
                        add = pb + row[c]
                    else:
                        add = total + row[c]
                    ext = nxt.setdefault(prefix + (c,), [ninf, ninf])
                    ext[1] = _logaddexp(ext[1], add)
            first = False
            ranked = sorted(nxt.items(), key=lambda kv: -_logaddexp(*kv[1]))
            beams = dict(ranked[:beam_width])
        ranked = sorted(beams.items(), key=lambda kv: -_logaddexp(*kv[1]))[:top_paths]
        for k, (prefix, (pb, pnb)) in enumerate(ranked):
            decoded[k, b, :len(prefix)] = prefix
            scores[b, k] = _logaddexp(pb, pnb)
    return (_const(bk.asarray(decoded), bk),
            _const(bk.asarray(scores.astype(x.dtype if x.dtype.kind == "f" else np.float32)),
                   bk))


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs ``inputs`` (B, T, C) (log-)probabilities, as Keras 3.

    Returns ``(decoded, log_probs)``: decoded (1, B, T) int32 labels, left-aligned and padded
    with -1; log_probs (B, 1) the negative sum of each step's maximum (Keras' greedy score).
    With ``merge_repeated`` a label equal to the previous step's is dropped (a blank in between
    keeps both).

    ``strategy='beam_search'`` is CTC prefix beam search as Keras' JAX backend: the inputs go
    through ``log_softmax`` first; each prefix keeps the log-probability of its alignments
    ending in a blank and ending in a label; the ``beam_width`` prefixes of highest total
    survive each step (steps at or beyond a row's sequence length are skipped, step 0 never).
    Returns decoded (top_paths, B, T), best first, padded with -1, and log_probs
    (B, top_paths): each prefix's log-probability (``-inf`` where fewer prefixes exist).
    """
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: strategy must be 'greedy' or 'beam_search'; received "
                         f"{strategy!r}")
    x = to_tensor(inputs)
    if x.ndim != 3:
        raise ValueError(f"ctc_decode: inputs must be (batch, steps, classes); received shape "
                         f"{x.shape}")
    bsz, steps, classes = x.shape
    lens = to_tensor(sequence_lengths, x)
    if lens.dtype.kind not in "iu" or lens.shape != (bsz,):
        raise ValueError(f"ctc_decode: sequence_lengths must be {bsz} integers; received shape "
                         f"{lens.shape} dtype {lens.dtype}")
    blank = classes - 1 if mask_index is None else int(mask_index)
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_decode: mask_index {mask_index} is out of range for {classes} "
                         f"classes")
    if strategy == "beam_search":
        for name, v in (("beam_width", beam_width), ("top_paths", top_paths)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"ctc_decode: {name} must be a positive int; received {v!r}")
        if top_paths > beam_width:
            raise ValueError(f"ctc_decode: top_paths ({top_paths}) must not exceed beam_width "
                             f"({beam_width})")
        return _ctc_beam_search(x, lens, int(beam_width), int(top_paths), blank)
    xp = x._backend.xp
    idx = xp.argmax(x.data, axis=-1).astype(np.int32)
    scores = xp.max(x.data, axis=-1)
    beyond = xp.arange(steps)[None, :] >= lens.data[:, None]
    idx = xp.where(beyond, np.int32(blank), idx)
    scores = xp.where(beyond, xp.zeros((), scores.dtype), scores)
    if merge_repeated and steps > 1:
        rep = xp.concatenate([xp.zeros((bsz, 1), dtype=bool), idx[:, 1:] == idx[:, :-1]], 1)
        idx = xp.where(rep, np.int32(blank), idx)
    invalid = idx == blank
    idx = xp.where(invalid, np.int32(-1), idx)
    order = xp.where(invalid, steps, xp.arange(steps)[None, :])
    order = xp.argsort(order, axis=-1, kind="stable") if xp is np else xp.argsort(order, axis=-1)
    idx = xp.take_along_axis(idx, order, -1)
    log_probs = -scores.sum(axis=1)[:, None]
    return _const(idx[None], x._backend), _const(log_probs, x._backend)


__all__ = [
    "batch_normalization", "ctc_decode", "dot_product_attention", "glu", "hard_shrink",
    "hard_tanh", "multi_hot", "psnr", "rms_normalization", "soft_shrink", "sparse_plus",
    "sparsemax", "squareplus", "tanh_shrink", "threshold",
]
