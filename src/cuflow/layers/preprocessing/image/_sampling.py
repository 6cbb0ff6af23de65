"""Device-side image sampling for the preprocessing layers, built only from ``cuflow.ops``.

Images are (B, H, W, C) tensors. Resizing is separable: two products with constant (out, in)
interpolation matrices, so its gradient is the same products transposed. Affine warps map each
output pixel back through a per-image 3x3 matrix and gather the input there with fill modes,
as the host-side ``ImageDataGenerator`` does.
"""

from __future__ import annotations

import numpy as np

from .... import ops
from ....tensor import Tensor

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area")
WARP_INTERPOLATIONS = ("bilinear", "nearest")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _cubic(t, a=-0.5):
    # Keys' cubic convolution kernel; a = -0.5 as tf.image.resize's bicubic
    t = np.abs(t)
    return np.where(t <= 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                    np.where(t < 2, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, 0.0))


def interp_matrix(n_in, n_out, interpolation):
    """(n_out, n_in) weights of tf.image.resize (half-pixel centres, no antialiasing)."""
    a = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    rows = np.arange(n_out)
    if interpolation == "nearest":
        a[rows, np.minimum(np.floor((rows + 0.5) * scale).astype(int), n_in - 1)] = 1.0
    elif interpolation == "area":
        # each output pixel averages the input interval it covers (fractional overlaps)
        for i in rows:
            lo, hi = i * scale, (i + 1) * scale
            for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
                a[i, j] = min(hi, j + 1) - max(lo, j)
        a /= a.sum(axis=1, keepdims=True)
    else:
        src = (rows + 0.5) * scale - 0.5
        base = np.floor(src).astype(int)
        taps = (0, 1) if interpolation == "bilinear" else (-1, 0, 1, 2)
        for k in taps:
            t = src - (base + k)
            w = 1 - np.abs(t) if interpolation == "bilinear" else _cubic(t)
            np.add.at(a, (rows, np.clip(base + k, 0, n_in - 1)), w)
        if interpolation == "bicubic":
            a /= a.sum(axis=1, keepdims=True)
    return a


def resize(x, height, width, interpolation="bilinear"):
    """(B, H, W, C) -> (B, height, width, C) with constant matrices on ``x``'s device."""
    b, h, w, c = x.shape
    if (h, w) == (height, width):
        return x
    dev = x.device
    ah = Tensor(interp_matrix(h, height, interpolation).astype(x.dtype), device=dev)
    aw = Tensor(interp_matrix(w, width, interpolation).astype(x.dtype), device=dev)
    y = ops.matmul(ah, ops.reshape(x, (b, h, w * c)))  # (B, height, W*C)
    y = ops.matmul(aw, ops.reshape(y, (b * height, w, c)))  # (B*height, width, C)
    return ops.reshape(y, (b, height, width, c))


def _fold(i, n, fill_mode):
    """Float indices folded into [0, n) by the fill mode (constant clamps; masked later)."""
    if fill_mode == "wrap":
        return i - ops.floor(i / n) * n
    if fill_mode == "reflect":  # half-sample symmetric: abcddcba|abcd|dcbaabcd
        m = i - ops.floor(i / (2 * n)) * (2 * n)
        return ops.where(ops.less(m, float(n)), m, (2 * n - 1) - m)
    return ops.clip(i, 0.0, float(n - 1))


def _inside(i, n):
    return ops.cast(ops.greater_equal(i, 0.0), "float32") * ops.cast(ops.less(i, float(n)),
                                                                        "float32")


def warp(x, matrices, interpolation="bilinear", fill_mode="reflect", fill_value=0.0):
    """Sample image ``b`` of ``x`` at ``matrices[b] @ (row, col, 1)`` for every output pixel.

    ``matrices`` is a host (B, 3, 3) array of inverse maps (output -> input coordinates).
    """
    b, h, w, c = x.shape
    dev = x.device
    rr, cc = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    grid = Tensor(np.stack([rr.ravel(), cc.ravel(), np.ones(h * w)]).astype("float32"),
                  device=dev)
    coords = ops.matmul(Tensor(np.asarray(matrices, dtype="float32"), device=dev), grid)
    r, col = coords[:, 0, :], coords[:, 1, :]  # (B, H*W) each
    # snap near-integers so whole-pixel moves and quarter turns read exactly one pixel
    r = ops.where(ops.less(ops.abs(r - ops.round(r)), 1e-4), ops.round(r), r)
    col = ops.where(ops.less(ops.abs(col - ops.round(col)), 1e-4), ops.round(col), col)
    flat = ops.reshape(x, (b * h * w, c))
    # integer flat indices: float32 would lose exactness past 2**24 pixels in a batch
    base = Tensor(np.arange(b, dtype="int64")[:, None] * (h * w), device=dev)

    def tap(ri, ci):
        rows = ops.cast(_fold(ri, h, fill_mode), "int64")
        cols = ops.cast(_fold(ci, w, fill_mode), "int64")
        idx = ops.reshape(base + rows * w + cols, (-1,))
        vals = ops.reshape(ops.getitem(flat, idx), (b, h * w, c))
        if fill_mode != "constant":
            return vals
        keep = ops.expand_dims(_inside(ri, h) * _inside(ci, w), -1)
        return vals * keep + (1.0 - keep) * fill_value

    if interpolation == "nearest":
        out = tap(ops.floor(r + 0.5), ops.floor(col + 0.5))
    else:
        r0, c0 = ops.floor(r), ops.floor(col)
        fr, fc = ops.expand_dims(r - r0, -1), ops.expand_dims(col - c0, -1)
        top = tap(r0, c0) * (1.0 - fc) + tap(r0, c0 + 1.0) * fc
        bottom = tap(r0 + 1.0, c0) * (1.0 - fc) + tap(r0 + 1.0, c0 + 1.0) * fc
        out = top * (1.0 - fr) + bottom * fr
    return ops.reshape(out, (b, h, w, c))


def about_center(matrices, h, w):
    """Conjugate (B, 3, 3) matrices to act about the pixel centre ((h-1)/2, (w-1)/2)."""
    oy, ox = (h - 1) / 2.0, (w - 1) / 2.0
    to_c = np.array([[1, 0, oy], [0, 1, ox], [0, 0, 1]], dtype=float)
    from_c = np.array([[1, 0, -oy], [0, 1, -ox], [0, 0, 1]], dtype=float)
    return to_c @ matrices @ from_c


def crop_box(h, w, height, width):
    """Keras's largest centred (top, left, crop_h, crop_w) with the target's aspect ratio."""
    crop_h = max(min(h, int(w * height / width)), 1)
    crop_w = max(min(w, int(h * width / height)), 1)
    return (h - crop_h) // 2, (w - crop_w) // 2, crop_h, crop_w


def crop(x, top, left, crop_h, crop_w):
    return x[:, top:top + crop_h, left:left + crop_w, :]
