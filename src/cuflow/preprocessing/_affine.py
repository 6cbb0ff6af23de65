"""Host-side (NumPy) affine warps for ``ImageDataGenerator``: inverse index maps + sampling.

Every output pixel ``(r, c)`` is mapped back to an input coordinate with the inverse affine
matrix, and the input is sampled there (nearest or bilinear). Out-of-range coordinates follow a
fill mode. Doing it as index maps needs no SciPy and gives exact results for whole-pixel moves.
"""

from __future__ import annotations

import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")

# Coordinates within this distance of an integer are snapped to it, so whole-pixel shifts and
# quarter turns (cos 90° = 6e-17, not 0) sample exactly one input pixel.
_SNAP = 1e-6


def check_fill_mode(owner, fill_mode):
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{owner}: fill_mode must be one of {FILL_MODES}; received "
                         f"{fill_mode!r}")
    return fill_mode


def fold_index(i, n, fill_mode):
    """Integer indices ``i`` mapped into ``[0, n)`` as the fill mode extends the image.

    reflect is half-sample symmetric (``abcddcba|abcd|dcbaabcd``) and wrap periodic, as the
    Keras docs draw them; constant clamps here and is masked by the caller.
    """
    if fill_mode == "wrap":
        return np.mod(i, n)
    if fill_mode == "reflect":
        m = np.mod(i, 2 * n)
        return np.where(m < n, m, 2 * n - 1 - m)
    return np.clip(i, 0, n - 1)


def affine_matrix(theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0):
    """Keras's composition rotation · shift · shear · zoom on (row, col, 1) coordinates.

    It maps output coordinates to input ones (the inverse map), so ``tx > 0`` moves content up.
    Angles are degrees, as in ``apply_affine_transform``.
    """
    m = np.eye(3)
    if theta:
        t = np.deg2rad(theta)
        m = m @ np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx or ty:
        m = m @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype=float)
    if shear:
        s = np.deg2rad(shear)
        m = m @ np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        m = m @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=float)
    return m


def offset_center(matrix, h, w):
    """Conjugate ``matrix`` so it acts about the image centre.

    We use the true pixel centre ((h - 1) / 2, (w - 1) / 2); Keras's h / 2 + 0.5 is one pixel
    off, which would make a 90° turn differ from ``np.rot90`` by a shifted row.
    """
    oy, ox = (h - 1) / 2.0, (w - 1) / 2.0
    to_c = np.array([[1, 0, oy], [0, 1, ox], [0, 0, 1]], dtype=float)
    from_c = np.array([[1, 0, -oy], [0, 1, -ox], [0, 0, 1]], dtype=float)
    return to_c @ matrix @ from_c


def warp(img, matrix, fill_mode="nearest", cval=0.0, order=1):
    """Sample the (H, W, C) image ``img`` at ``matrix @ (r, c, 1)`` for every output pixel."""
    check_fill_mode("warp", fill_mode)
    if order not in (0, 1):
        raise ValueError(f"interpolation order must be 0 (nearest) or 1 (bilinear); received "
                         f"{order!r}")
    h, w = img.shape[:2]
    rr, cc = np.meshgrid(np.arange(h, dtype=float), np.arange(w, dtype=float), indexing="ij")
    r = matrix[0, 0] * rr + matrix[0, 1] * cc + matrix[0, 2]
    c = matrix[1, 0] * rr + matrix[1, 1] * cc + matrix[1, 2]
    r = np.where(np.abs(r - np.round(r)) < _SNAP, np.round(r), r)
    c = np.where(np.abs(c - np.round(c)) < _SNAP, np.round(c), c)
    src = np.asarray(img)
    dtype = src.dtype if src.dtype.kind == "f" else np.float32

    def tap(ri, ci):
        vals = src[fold_index(ri, h, fill_mode), fold_index(ci, w, fill_mode)].astype(dtype)
        if fill_mode == "constant":
            outside = (ri < 0) | (ri >= h) | (ci < 0) | (ci >= w)
            vals[outside] = cval
        return vals

    if order == 0:
        return tap(np.floor(r + 0.5).astype(np.int64), np.floor(c + 0.5).astype(np.int64))
    r0, c0 = np.floor(r), np.floor(c)
    fr, fc = (r - r0)[..., None], (c - c0)[..., None]
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    top = tap(r0, c0) * (1 - fc) + tap(r0, c0 + 1) * fc
    bottom = tap(r0 + 1, c0) * (1 - fc) + tap(r0 + 1, c0 + 1) * fc
    return (top * (1 - fr) + bottom * fr).astype(dtype, copy=False)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2,
                           channel_axis=0, fill_mode="nearest", cval=0.0, order=1):
    """Keras's ``apply_affine_transform`` for one image (axes default to channels_first)."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform expects one 3-D image; received shape "
                         f"{x.shape}")
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError(f"row_axis, col_axis and channel_axis must be a permutation of 0, 1, 2; "
                         f"received {row_axis}, {col_axis}, {channel_axis}")
    m = affine_matrix(theta, tx, ty, shear, zx, zy)
    if np.allclose(m, np.eye(3)):
        return x
    hwc = np.transpose(x, (row_axis, col_axis, channel_axis))
    out = warp(hwc, offset_center(m, hwc.shape[0], hwc.shape[1]), fill_mode, cval, order)
    return np.transpose(out, np.argsort((row_axis, col_axis, channel_axis)))
