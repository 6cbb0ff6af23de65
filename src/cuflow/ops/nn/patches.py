"""Patch rearrangements: unfold (im2col) / fold (col2im) on NCHW images, depth_to_space (pixel
shuffle) / space_to_depth.

``unfold`` and ``fold`` are adjoint linear maps, so each one's gradient is the other applied to
the incoming gradient; depth_to_space / space_to_depth are reshapes and transposes.
"""

from __future__ import annotations

import numpy as np

from .._core import record, to_tensor
from ..numpy.shape import reshape, transpose


def _pair(op, name, v):
    from ...tensor import Tensor

    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        v = (int(v), int(v))
    v = tuple(int(i) for i in v)
    if len(v) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints; received {v!r}")
    return v


def _geometry(op, h, w, kernel_size, dilation, padding, stride):
    k = _pair(op, "kernel_size", kernel_size)
    d = _pair(op, "dilation", dilation)
    p = _pair(op, "padding", padding)
    s = _pair(op, "stride", stride)
    if min(k + d + s) < 1 or min(p) < 0:
        raise ValueError(f"{op}: kernel_size, dilation and stride must be positive and padding "
                         f"non-negative; received kernel_size={k}, dilation={d}, stride={s}, "
                         f"padding={p}")
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: the kernel {k} (dilation {d}) does not fit the padded size "
                         f"{(h + 2 * p[0], w + 2 * p[1])}")
    return k, d, p, s, oh, ow


def _index(xp, k, d, s, oh, ow):
    """Row / column of each (kernel offset, patch) pair in the padded image."""
    ki = xp.arange(k[0]).reshape(-1, 1, 1, 1) * d[0]
    kj = xp.arange(k[1]).reshape(1, -1, 1, 1) * d[1]
    pi = xp.arange(oh).reshape(1, 1, -1, 1) * s[0]
    pj = xp.arange(ow).reshape(1, 1, 1, -1) * s[1]
    return ki + pi + 0 * pj + 0 * kj, kj + pj + 0 * pi + 0 * ki  # each (kH, kW, oH, oW)


def _unfold_raw(xp, x, geo):
    k, d, p, s, oh, ow = geo
    n, c = x.shape[:2]
    if p[0] or p[1]:
        x = xp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    rows, cols = _index(xp, k, d, s, oh, ow)
    patches = x[:, :, rows, cols]  # (N, C, kH, kW, oH, oW)
    return xp.ascontiguousarray(patches.reshape(n, c * k[0] * k[1], oh * ow))


def _fold_raw(xp, cols, geo, h, w):
    k, d, p, s, oh, ow = geo
    n = cols.shape[0]
    c = cols.shape[1] // (k[0] * k[1])
    blocks = cols.reshape(n, c, k[0], k[1], oh, ow)
    out = xp.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), dtype=cols.dtype)
    for a in range(k[0]):  # one strided add per kernel offset: its targets are distinct
        for b in range(k[1]):
            r0, c0 = a * d[0], b * d[1]
            out[:, :, r0:r0 + s[0] * (oh - 1) + 1:s[0], c0:c0 + s[1] * (ow - 1) + 1:s[1]] += \
                blocks[:, :, a, b]
    return out[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a 4-D NCHW tensor: (N, C, H, W) -> (N, C * kH * kW, L), L the number of
    block positions (im2col, as ``torch.nn.functional.unfold``)."""
    x = to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={x.shape}")
    h, w = x.shape[2:]
    geo = _geometry("unfold", h, w, kernel_size, dilation, padding, stride)
    xp = x._backend.xp
    out = _unfold_raw(xp, x.data, geo)
    return record(out, (x,), lambda g: (_fold_raw(xp, g, geo, h, w),), "unfold")


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image: (N, C * kH * kW, L) -> (N, C, oH, oW), the adjoint
    of ``unfold`` (overlaps add up)."""
    x = to_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={x.shape}")
    h, w = _pair("fold", "output_size", output_size)
    geo = _geometry("fold", h, w, kernel_size, dilation, padding, stride)
    k, oh, ow = geo[0], geo[4], geo[5]
    if x.shape[1] % (k[0] * k[1]):
        raise ValueError(f"fold: the second dimension of the input ({x.shape[1]}) must be "
                         f"divisible by the kernel size product {k[0] * k[1]}")
    if x.shape[2] != oh * ow:
        raise ValueError(f"fold: the input holds {x.shape[2]} blocks but output_size "
                         f"{(h, w)} with this kernel, stride, padding and dilation gives "
                         f"{oh * ow}")
    xp = x._backend.xp
    out = _fold_raw(xp, x.data, geo, h, w)
    return record(xp.ascontiguousarray(out), (x,), lambda g: (_unfold_raw(xp, g, geo),), "fold")


def _check_block(op, x, block_size, data_format):
    x = to_tensor(x)
    if not isinstance(block_size, (int, np.integer)) or isinstance(block_size, bool) \
            or block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first'; "
                         f"received {data_format!r}")
    if x.ndim != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={x.shape}")
    return x, int(block_size)


def depth_to_space(x, block_size, data_format="channels_last"):
    """Move depth into spatial blocks: (N, H, W, C * r²) -> (N, H * r, W * r, C) (pixel
    shuffle), or the channels-first equivalent."""
    x, r = _check_block("depth_to_space", x, block_size, data_format)
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if c % (r * r):
            raise ValueError(f"depth_to_space: the channels ({c}) must be divisible by "
                             f"block_size**2 = {r * r}")
        y = transpose(reshape(x, (n, h, w, r, r, c // (r * r))), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h * r, w * r, c // (r * r)))
    n, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"depth_to_space: the channels ({c}) must be divisible by "
                         f"block_size**2 = {r * r}")
    y = transpose(reshape(x, (n, c // (r * r), r, r, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(y, (n, c // (r * r), h * r, w * r))


def space_to_depth(x, block_size, data_format="channels_last"):
    """Move spatial blocks into depth: (N, H, W, C) -> (N, H / r, W / r, C * r²), the inverse
    of ``depth_to_space``."""
    x, r = _check_block("space_to_depth", x, block_size, data_format)
    if data_format == "channels_last":
        n, h, w, c = x.shape
    else:
        n, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(f"space_to_depth: the height ({h}) and width ({w}) must be divisible "
                         f"by block_size={r}")
    if data_format == "channels_last":
        y = transpose(reshape(x, (n, h // r, r, w // r, r, c)), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h // r, w // r, c * r * r))
    y = transpose(reshape(x, (n, c, h // r, r, w // r, r)), (0, 1, 3, 5, 2, 4))
    return reshape(y, (n, c * r * r, h // r, w // r))


__all__ = ["depth_to_space", "fold", "space_to_depth", "unfold"]
