"""ops.nn.attention: ``dot_product_attention`` against a NumPy reference (grouped-query heads,
bias, masks, causal, rank-3 inputs, scale) and PyTorch where importable, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops

from .._helpers import close, t

R = np.random.default_rng(3)


def _attention_reference(q, k, v, bias, mask, causal, scale):
    n, kh = q.shape[2], k.shape[2]
    k, v = np.repeat(k, n // kh, 2), np.repeat(v, n // kh, 2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -0.7 * np.finfo(logits.dtype).max)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


def test_dot_product_attention(device):
    q, k, v = R.normal(size=(2, 5, 4, 3)), R.normal(size=(2, 6, 2, 3)), R.normal(size=(2, 6, 2, 3))
    mask = R.random((2, 1, 5, 6)) > 0.3
    bias = R.normal(size=(2, 4, 5, 6))
    for causal in (False, True):
        for m in (None, mask):
            got = ops.dot_product_attention(t(q, device), t(k, device), t(v, device),
                                            bias=t(bias, device), is_causal=causal,
                                            mask=None if m is None else t(m, device))
            close(got, _attention_reference(q, k, v, bias, m, causal, 1 / np.sqrt(3)))
    got = ops.dot_product_attention(t(q[:, :, 0], device), t(k[:, :, 0], device),
                                    t(v[:, :, 0], device), scale=0.5)
    close(got, _attention_reference(q[:, :, :1], k[:, :, :1], v[:, :, :1], None, None, False,
                                    0.5)[:, :, 0])


def test_dot_product_attention_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    q, k, v = R.normal(size=(2, 5, 4, 3)), R.normal(size=(2, 6, 4, 3)), R.normal(size=(2, 6, 4, 3))
    got = ops.dot_product_attention(t(q), t(k), t(v), is_causal=True).numpy()

    def bnth(a):
        return torch.tensor(a).permute(0, 2, 1, 3)

    ref = F.scaled_dot_product_attention(bnth(q), bnth(k), bnth(v), is_causal=True)
    close(got, ref.permute(0, 2, 1, 3).numpy())


def test_attention_errors():
    with pytest.raises(ValueError, match="multiple of key heads"):
        ops.dot_product_attention(t(np.ones((1, 2, 3, 2))), t(np.ones((1, 2, 2, 2))),
                                  t(np.ones((1, 2, 2, 2))))
    with pytest.raises(ValueError, match="rank 3"):
        ops.dot_product_attention(t(np.ones((2, 2))), t(np.ones((2, 2))), t(np.ones((2, 2))))
