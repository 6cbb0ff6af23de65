"""Naive nested-loop references (channels_last, float64) the fast ops are tested against.

Padding arithmetic is spelled out here independently of cuflow.ops._im2col.
"""

from __future__ import annotations

import itertools

import numpy as np

import cuflow as cf


def same_pads(n, k, s, d):
    eff = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return total // 2, total - total // 2


def pads(padding, sizes, ks, strides, dils):
    out = []
    for n, k, s, d in zip(sizes, ks, strides, dils):
        if padding == "same":
            out.append(same_pads(n, k, s, d))
        elif padding == "causal":
            out.append(((k - 1) * d, 0))
        else:
            out.append((0, 0))
    return out


def conv(x, w, strides, padding, dils, groups=1):
    """y[b, o, co] = sum_k sum_ci xpad[b, o*s + k*d, g*cg + ci] * w[k, ci, co]."""
    n = x.ndim - 2
    ks, sizes = w.shape[:n], x.shape[1:-1]
    p = pads(padding, sizes, ks, strides, dils)
    xp = np.pad(x, [(0, 0)] + p + [(0, 0)])
    outs = [(xp.shape[1 + i] - (ks[i] - 1) * dils[i] - 1) // strides[i] + 1 for i in range(n)]
    cin, cout = x.shape[-1], w.shape[-1]
    cg, og = cin // groups, cout // groups
    y = np.zeros([x.shape[0]] + outs + [cout])
    for b in range(x.shape[0]):
        for o in itertools.product(*map(range, outs)):
            for co in range(cout):
                g = co // og
                acc = 0.0
                for k in itertools.product(*map(range, ks)):
                    pos = tuple(o[i] * strides[i] + k[i] * dils[i] for i in range(n))
                    acc += xp[(b,) + pos + (slice(g * cg, (g + 1) * cg),)] @ w[k + (slice(None),
                                                                                    co)]
                y[(b,) + o + (co,)] = acc
    return y


def conv_transpose(x, w, strides, out_sizes, before):
    """Scatter form: every input pixel adds kernel * value at i*s + k (dilation 1), then the
    output window [before, before + out) of the full result is kept (zeros past its end)."""
    n = x.ndim - 2
    ks = w.shape[:n]
    full = [(x.shape[1 + i] - 1) * strides[i] + ks[i] for i in range(n)]
    size = [max(f, b + o) for f, b, o in zip(full, before, out_sizes)]
    y = np.zeros([x.shape[0]] + size + [w.shape[-2]])
    for b in range(x.shape[0]):
        for i in itertools.product(*map(range, x.shape[1:-1])):
            for k in itertools.product(*map(range, ks)):
                pos = tuple(i[j] * strides[j] + k[j] for j in range(n))
                y[(b,) + pos] += w[k] @ x[(b,) + i]
    return y[(slice(None),) + tuple(slice(b, b + o) for b, o in zip(before, out_sizes))]


def pool(x, ks, strides, padding, kind):
    """Max or mean over the real (unpadded) elements of each window."""
    n = x.ndim - 2
    sizes = x.shape[1:-1]
    p = pads(padding, sizes, ks, strides, (1,) * n)
    outs = [(sizes[i] + sum(p[i]) - ks[i]) // strides[i] + 1 for i in range(n)]
    y = np.zeros([x.shape[0]] + outs + [x.shape[-1]])
    for o in itertools.product(*map(range, outs)):
        lo = [o[i] * strides[i] - p[i][0] for i in range(n)]
        sl = tuple(slice(max(lo[i], 0), min(lo[i] + ks[i], sizes[i])) for i in range(n))
        win = x[(slice(None),) + sl + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + o + (slice(None),)] = win.max(1) if kind == "max" else win.mean(1)
    return y


# ---- tensors for the op tests -------------------------------------------------------------
def T(a, device, **kw):
    return cf.Tensor(np.asarray(a), device=device, **kw)


def to_first(a):
    return np.moveaxis(a, -1, 1)


def close(got, want, tol=1e-10):
    got = got.numpy() if isinstance(got, cf.Tensor) else got
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
