"""``dot_product_attention`` in Keras 3's layout (grouped-query heads, masks, causal, soft cap),
composed from differentiable ops."""

from __future__ import annotations

import math

import numpy as np

from .._core import check_float, const, to_tensor


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T * scale + bias, masked) V in Keras 3's layout.

    query (B, T, N, H), key and value (B, S, K, H) with N a multiple of K (grouped-query
    attention repeats the K heads); rank-3 inputs (B, T, H) mean one head. ``mask`` is a bool
    tensor broadcastable to (B, N, T, S): False drops the position (as Keras, the logit becomes
    -0.7 * the dtype's max, so a fully masked row is uniform). ``is_causal`` keeps s <= t.
    ``flash_attention`` only selects an implementation in Keras; cuflow computes the same math.
    """
    from ..numpy.logic import where
    from ..numpy.products import einsum
    from ..numpy.rearranging import repeat
    from ..numpy.shape import expand_dims, squeeze
    from .activations import softmax, tanh

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
        logits = where(const(keep, logits._backend), logits, neg)
    probs = softmax(logits, axis=-1)
    out = einsum("bnts,bsnh->btnh", probs, v)
    return squeeze(out, 2) if three else out


__all__ = [
    "dot_product_attention"
]
