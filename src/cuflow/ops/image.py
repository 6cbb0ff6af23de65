"""Image ops: ``upsample`` by integer factors (nearest for 1D/2D/3D; bilinear, bicubic and
Lanczos for 2D) and ``psnr``.

The resampling methods follow Keras's image.resize (half-pixel centres, no antialiasing), which
Keras's UpSampling2D uses; they are separable, so each is two small GEMMs with constant
interpolation matrices, and its gradient is the same GEMMs transposed.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._core import check_float, record, to_tensor
from ._im2col import as_tuple, check_format
from .conv import _to_first, _to_last

# ---- resizing -----------------------------------------------------------------------------------

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def _triangle(t):
    return np.maximum(0.0, 1.0 - t)


def _keys_cubic(t):  # Keys' cubic convolution, a = -0.5 (as tf.image / jax.image)
    inner = (1.5 * t - 2.5) * t * t + 1.0
    outer = ((-0.5 * t + 2.5) * t - 4.0) * t + 2.0
    return np.where(t >= 2.0, 0.0, np.where(t >= 1.0, outer, inner))


def _lanczos(radius):
    def kernel(t):
        safe = np.where(t > 1e-3, t, 1.0)
        out = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi * safe) ** 2
        return np.where(t > radius, 0.0, np.where(t > 1e-3, out, 1.0))
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3.0),
            "lanczos5": _lanczos(5.0)}


def _interp_matrix(n_in, n_out, method="bilinear"):
    """(n_out, n_in) resampling weights with half-pixel centres and no antialiasing, as
    Keras's image.resize: the kernel at each input sample's distance from the output's source
    position, taps outside the input dropped and each row renormalised to sum to 1."""
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    w = _KERNELS[method](np.abs(src[:, None] - np.arange(n_in)[None, :]))
    total = w.sum(axis=1, keepdims=True)
    return np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                    w / np.where(total != 0, total, 1.0), 0.0)


def upsample(x, size, interpolation="nearest", data_format="channels_last"):
    """Upsample the spatial axes by integer factors: 'nearest' repeats (1D/2D/3D); 'bilinear',
    'bicubic', 'lanczos3' and 'lanczos5' resample 2-D images as Keras's image.resize.

    Integer tensors are accepted as Keras does: 'nearest' keeps their dtype; the resampling
    methods compute in float32 and round back, clipped to the input's range (no gradient)."""
    fmt = check_format("upsample", data_format)
    x = to_tensor(x)
    n = x.ndim - 2
    if not 1 <= n <= 3:
        raise ValueError(f"upsample: expected an input of rank 3, 4 or 5; received shape "
                         f"{x.shape}")
    size = as_tuple("upsample", "size", size, n)
    if interpolation not in INTERPOLATIONS or (interpolation != "nearest" and n != 2):
        raise ValueError(f"upsample: interpolation must be 'nearest' (1D/2D/3D) or one of "
                         f"{INTERPOLATIONS[1:]} (2D); received {interpolation!r} for a {n}D "
                         f"input")
    x = _to_last(x, fmt)
    if interpolation == "nearest":
        y = _nearest(x, size)
    elif x.dtype.kind == "f":
        y = _separable(x, size, interpolation)
    else:
        y = _separable_exact(x, size, interpolation)
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


def _matrices(x, size, method, dtype):
    xp = x._backend.xp
    _, H, W, _ = x.shape
    return (xp.asarray(_interp_matrix(H, H * size[0], method), dtype=dtype),
            xp.asarray(_interp_matrix(W, W * size[1], method), dtype=dtype))


def _resample(bk, a, ah, aw):
    """(B, H, W, C) array -> (B, ho, wo, C): two GEMMs with the (out, in) matrices."""
    B, H, W, C = a.shape
    ho, wo = ah.shape[0], aw.shape[0]
    t = bk.matmul(ah, a.reshape(B, H, W * C))  # rows: (B, ho, W*C)
    return bk.matmul(aw, t.reshape(B * ho, W, C)).reshape(B, ho, wo, C)


def _separable(x, size, method):
    bk = x._backend
    ah, aw = _matrices(x, size, method, x.dtype)
    y = _resample(bk, x.data, ah, aw)
    B, H, W, C = x.shape
    ho, wo = ah.shape[0], aw.shape[0]

    def backward(g):
        g1 = bk.matmul(aw.T, g.reshape(B * ho, wo, C)).reshape(B, ho, W * C)
        return (bk.matmul(ah.T, g1).reshape(x.shape),)

    return record(y, (x,), backward, f"upsample_{method}", bk)


def _separable_exact(x, size, method):
    # integers (and booleans) as Keras: resample in float32, round, clip to the input's range
    bk = x._backend
    xp = bk.xp
    ah, aw = _matrices(x, size, method, np.float32)
    y = _resample(bk, x.data.astype(np.float32), ah, aw)
    if x.size:
        lo, hi = x.data.min(), x.data.max()
        y = xp.clip(xp.round(y), lo.astype(np.float32), hi.astype(np.float32))
    return Tensor._wrap(y.astype(x.dtype), backend=bk)


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
