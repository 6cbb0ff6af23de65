"""Convolution windows and max pooling on the GPU (``kernels/windows.cu``): 1-D and 2-D
channels_last with the padding folded into the indices; 3-D falls back to the array-generic
``*_xp`` functions of ``backend/numpy/windows.py`` (which also defines the semantics)."""

from __future__ import annotations

import math

from ..numpy.windows import (
    col2im_xp,
    im2col_xp,
    max_pool_backward_xp,
    max_pool_xp,
    pool_geometry,
    window_geometry,
)
from .common import _cupy, _float_input, _i64, _launch_1d
from .compile import dtype_ctype, float_types, get_kernel

SOURCE = "windows.cu"
NAME_EXPRESSIONS = tuple(
    f"cf_{k}<{ct}>" for ct in float_types()
    for k in ("im2col_2d", "col2im_2d", "max_pool_2d_fwd", "max_pool_2d_bwd"))


def _geometry_2d(x_shape, ks, strides, dils, pads, outs):
    """The 14 int64 launch arguments of the 2-D window kernels (1-D as height 1)."""
    if len(ks) == 1:
        x_shape = (x_shape[0], 1) + tuple(x_shape[1:])
        ks, strides, dils = (1,) + ks, (1,) + strides, (1,) + dils
        pads, outs = ((0, 0),) + pads, (1,) + outs
    b, h, w, c = x_shape
    return tuple(_i64(v) for v in (b, h, w, c, ks[0], ks[1], strides[0], strides[1], dils[0],
                                   dils[1], pads[0][0], pads[1][0], outs[0], outs[1]))


def im2col(x, ks, strides, dils, pads, outs):
    cp = _cupy()
    x = _float_input(x)
    ks, strides, dils, pads, outs = window_geometry(x.shape, ks, strides, dils, pads, outs)
    if len(ks) > 2:  # 3-D: the array-generic reference (pad + strided view + one copy)
        return im2col_xp(cp, x, ks, strides, dils, pads, outs)
    cols = cp.empty((x.shape[0] * math.prod(outs), math.prod(ks) * x.shape[-1]), dtype=x.dtype)
    if cols.size:
        kern = get_kernel(SOURCE, f"cf_im2col_2d<{dtype_ctype(x.dtype)}>")
        _launch_1d(kern, cols.size, (x, cols) + _geometry_2d(x.shape, ks, strides, dils, pads,
                                                              outs))
    return cols


def col2im(cols, x_shape, ks, strides, dils, pads, outs):
    cp = _cupy()
    cols = _float_input(cols, "cols")
    x_shape = tuple(int(v) for v in x_shape)
    ks, strides, dils, pads, outs = window_geometry(x_shape, ks, strides, dils, pads, outs)
    want = (math.prod(ks), x_shape[0] * math.prod(outs), x_shape[-1])
    if cols.shape != want:
        raise ValueError(f"col2im: cols must have shape {want} for input {x_shape} and kernel "
                         f"{ks}; received {cols.shape}")
    if len(ks) > 2:
        return col2im_xp(cp, cols, x_shape, ks, strides, dils, pads, outs)
    dx = cp.empty(x_shape, dtype=cols.dtype)
    if dx.size:
        kern = get_kernel(SOURCE, f"cf_col2im_2d<{dtype_ctype(cols.dtype)}>")
        _launch_1d(kern, dx.size, (cols, dx) + _geometry_2d(x_shape, ks, strides, dils, pads,
                                                             outs))
    return dx


def _pool_geometry_2d(x_shape, ks, strides, pads, outs):
    """The 12 int64 launch arguments of the 2-D pooling kernels (1-D as height 1)."""
    g = _geometry_2d(x_shape, ks, strides, (1,) * len(ks), pads, outs)
    return g[:8] + g[10:]  # no dilations


def max_pool_forward(x, ks, strides, pads, outs):
    cp = _cupy()
    x = _float_input(x)
    ks, strides, pads, outs = pool_geometry(x.shape, ks, strides, pads, outs)
    if len(ks) > 2:
        return max_pool_xp(cp, x, ks, strides, pads, outs)
    y = cp.empty((x.shape[0],) + outs + (x.shape[-1],), dtype=x.dtype)
    if y.size:
        kern = get_kernel(SOURCE, f"cf_max_pool_2d_fwd<{dtype_ctype(x.dtype)}>")
        _launch_1d(kern, y.size, (x, y) + _pool_geometry_2d(x.shape, ks, strides, pads, outs))
    return y


def max_pool_backward(g, x, y, ks, strides, pads, outs):
    cp = _cupy()
    x = _float_input(x)
    g, y = _float_input(g, "g"), _float_input(y, "y")
    ks, strides, pads, outs = pool_geometry(x.shape, ks, strides, pads, outs)
    want = (x.shape[0],) + outs + (x.shape[-1],)
    for name, a in (("g", g), ("y", y)):
        if a.shape != want or a.dtype != x.dtype:
            raise ValueError(f"max_pool_backward: {name} must be {x.dtype} of shape {want}; "
                             f"received {a.dtype} of shape {a.shape}")
    if len(ks) > 2:
        return max_pool_backward_xp(cp, g, x, y, ks, strides, pads, outs)
    dx = cp.empty_like(x)
    if dx.size:
        kern = get_kernel(SOURCE, f"cf_max_pool_2d_bwd<{dtype_ctype(x.dtype)}>")
        _launch_1d(kern, dx.size, (g, x, y, dx) + _pool_geometry_2d(x.shape, ks, strides, pads,
                                                                     outs))
    return dx
