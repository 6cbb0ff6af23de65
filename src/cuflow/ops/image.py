"""Image ops: ``upsample`` by integer factors (nearest for 1D/2D/3D, bilinear for 2D) and
``psnr``.

Bilinear follows tf.image.resize (half-pixel centres, no antialiasing), which Keras's
UpSampling2D uses; it is separable, so it is two small GEMMs with constant interpolation
matrices, and its gradient is the same GEMMs transposed.
"""

from __future__ import annotations

import math

import numpy as np

from ._core import check_float, record, to_tensor
from ._im2col import as_tuple, check_format
from .conv import _to_first, _to_last

# ---- resizing -----------------------------------------------------------------------------------

def _interp_matrix(n_in, n_out):
    """(n_out, n_in) rows of tf.image.resize's bilinear weights with half_pixel_centers."""
    a = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    for i in range(n_out):
        src = (i + 0.5) * scale - 0.5
        f = np.floor(src)
        lo, hi = max(int(f), 0), min(int(np.ceil(src)), n_in - 1)
        lerp = src - f
        a[i, lo] += 1.0 - lerp
        a[i, hi] += lerp
    return a


def upsample(x, size, interpolation="nearest", data_format="channels_last"):
    fmt = check_format("upsample", data_format)
    x = to_tensor(x)
    check_float("upsample", x)
    n = x.ndim - 2
    if not 1 <= n <= 3:
        raise ValueError(f"upsample: expected an input of rank 3, 4 or 5; received shape "
                         f"{x.shape}")
    size = as_tuple("upsample", "size", size, n)
    if interpolation not in ("nearest", "bilinear") or (interpolation == "bilinear" and n != 2):
        raise ValueError(f"upsample: interpolation must be 'nearest' (1D/2D/3D) or 'bilinear' "
                         f"(2D); received {interpolation!r} for a {n}D input")
    x = _to_last(x, fmt)
    y = _nearest(x, size) if interpolation == "nearest" else _bilinear(x, size)
    return _to_first(y, fmt)


def _nearest(x, size):
    xp = x._backend.xp
    y = x.data
    for i, s in enumerate(size):
        y = xp.repeat(y, s, axis=1 + i)
    # view the output as (B, S0, s0, S1, s1, ..., C); the gradient sums over the s axes
    split = (x.shape[0],) + tuple(v for d, s in zip(x.shape[1:-1], size) for v in (d, s)) + \
        (x.shape[-1],)
    axes = tuple(2 + 2 * i for i in range(len(size)))

    def backward(g):
        return (g.reshape(split).sum(axis=axes),)

    return record(y, (x,), backward, "upsample_nearest")


def _bilinear(x, size):
    bk = x._backend
    xp = bk.xp
    B, H, W, C = x.shape
    ho, wo = H * size[0], W * size[1]
    ah = xp.asarray(_interp_matrix(H, ho), dtype=x.dtype)
    aw = xp.asarray(_interp_matrix(W, wo), dtype=x.dtype)
    t = bk.matmul(ah, x.data.reshape(B, H, W * C))  # rows: (B, ho, W*C)
    y = bk.matmul(aw, t.reshape(B * ho, W, C)).reshape(B, ho, wo, C)

    def backward(g):
        g1 = bk.matmul(aw.T, g.reshape(B * ho, wo, C)).reshape(B, ho, W * C)
        return (bk.matmul(ah.T, g1).reshape(x.shape),)

    return record(y, (x,), backward, "upsample_bilinear", bk)


# ---- quality ------------------------------------------------------------------------------------

def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mean((x1 - x2)²))."""
    from .numpy.arithmetic import log10
    from .numpy.reductions import mean

    a, b = to_tensor(x1), to_tensor(x2)
    if a.shape != b.shape:
        raise ValueError(f"psnr: x1 and x2 need the same shape; received {a.shape} and {b.shape}")
    check_float("psnr", a)
    b = to_tensor(b, a)
    d = a - b
    return 20.0 * math.log10(float(max_val)) - 10.0 * log10(mean(d * d))


__all__ = [
    "psnr", "upsample"
]
