"""Max and average pooling (1D/2D/3D) over strided window views, TensorFlow's 'same' padding;
adaptive max and average pooling (a fixed output size, PyTorch's / Keras's windows).

Max pooling routes the gradient to the window's argmax (the first on ties, as TF); average
pooling with 'same' divides by the number of real (non-padded) elements, as TF.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend.config import floatx
from ..tensor import Tensor
from ._core import check_float, record, to_tensor
from ._im2col import (
    as_tuple,
    check_format,
    check_padding,
    crop_spatial,
    out_sizes,
    pad_spatial,
    pads_for,
    window_slices,
    windows,
)
from .conv import _to_first, _to_last
from .core import cast
from .numpy.arithmetic import maximum
from .numpy.indexing import getitem, take
from .numpy.products import matmul
from .numpy.shape import concatenate, moveaxis


def _setup(op, x, pool_size, strides, padding, data_format):
    fmt = check_format(op, data_format)
    x = to_tensor(x)
    check_float(op, x)
    n = x.ndim - 2
    if not 1 <= n <= 3:
        raise ValueError(f"{op}: expected an input of rank 3, 4 or 5 (batch, *spatial, "
                         f"channels); received shape {x.shape}")
    ks = as_tuple(op, "pool_size", pool_size, n)
    strides = ks if strides is None else as_tuple(op, "strides", strides, n)
    padding = check_padding(op, padding)
    x = _to_last(x, fmt)
    sizes = x.shape[1:-1]
    dils = (1,) * n
    pads = pads_for(padding, sizes, ks, strides, dils)
    outs = out_sizes(sizes, ks, strides, dils, pads)
    if 0 in outs:
        raise ValueError(f"{op}: pool_size {ks} is larger than the input's spatial size {sizes} "
                         f"(input shape {x.shape}) with padding={padding!r}")
    return fmt, x, ks, strides, dils, pads, outs


def max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    fmt, x, ks, strides, dils, pads, outs = _setup("max_pool", x, pool_size, strides, padding,
                                                   data_format)
    bk = x._backend
    n = len(ks)
    # one kernel each way on the GPU (1-D and 2-D); the backward finds each window's first
    # maximal offset again from x and y rather than storing it, which keeps the forward lean
    y = bk.max_pool_forward(x.data, ks, strides, pads, outs)

    def backward(g):
        return (bk.max_pool_backward(g, x.data, y, ks, strides, pads, outs),)

    return _to_first(record(y, (x,), backward, f"max_pool{n}d", bk), fmt)


def avg_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    fmt, x, ks, strides, dils, pads, outs = _setup("avg_pool", x, pool_size, strides, padding,
                                                   data_format)
    bk = x._backend
    xp = bk.xp
    n = len(ks)
    xpad = pad_spatial(xp, x.data, pads)
    axes = tuple(range(1 + n, 1 + 2 * n))
    total = windows(xp, xpad, ks, strides, dils, outs).sum(axis=axes)
    if any(pb or pa for pb, pa in pads):
        # the number of real elements under each window: pool a padded field of ones
        ones = pad_spatial(xp, xp.ones((1,) + x.shape[1:-1] + (1,), dtype=x.dtype), pads)
        count = windows(xp, ones, ks, strides, dils, outs).sum(axis=axes)
    else:
        count = xp.asarray(math.prod(ks), dtype=x.dtype)
    y = total / count

    def backward(g):
        share = g / count
        gpad = xp.zeros(xpad.shape, dtype=g.dtype)
        for _, sl in window_slices(ks, strides, dils, outs):
            gpad[sl] += share
        return (crop_spatial(gpad, pads, x.shape[1:-1]),)

    return _to_first(record(y.astype(x.dtype, copy=False), (x,), backward, f"avg_pool{n}d", bk),
                     fmt)


def _ranked(fn, n):
    def ranked(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
        x = to_tensor(x)
        if x.ndim != n + 2:
            raise ValueError(f"{fn.__name__}{n}d: expected a rank-{n + 2} input; received "
                             f"shape {x.shape}")
        return fn(x, pool_size, strides, padding, data_format)

    ranked.__name__ = f"{fn.__name__}{n}d"
    return ranked


max_pool1d, max_pool2d, max_pool3d = (_ranked(max_pool, n) for n in (1, 2, 3))
avg_pool1d, avg_pool2d, avg_pool3d = (_ranked(avg_pool, n) for n in (1, 2, 3))
average_pool = avg_pool  # Keras's name (keras.ops.average_pool)


# ---- adaptive pooling ---------------------------------------------------------------------------
# Output cell i of an axis of length L pooled to O cells covers [floor(i L / O), ceil((i+1) L / O)),
# as PyTorch's adaptive pooling and Keras 3's: neighbouring windows may overlap by one element and
# their sizes differ by at most one. Both ops are built from differentiable ops, one spatial axis
# at a time (box windows are separable), so they run, and differentiate, on either device.

def _adaptive_setup(op, x, output_size, data_format):
    fmt = check_format(op, data_format)
    x = to_tensor(x)
    n = x.ndim - 2
    if not 1 <= n <= 3:
        raise ValueError(f"{op}: expected an input of rank 3, 4 or 5 (batch, *spatial, channels "
                         f"or batch, channels, *spatial); received shape {x.shape}")
    sizes = as_tuple(op, "output_size", output_size, n)
    first = 1 if fmt == "channels_last" else 2
    axes = tuple(range(first, first + n))
    for ax in axes:
        if x.shape[ax] == 0:
            raise ValueError(f"{op}: cannot pool an empty spatial axis; received input shape "
                             f"{x.shape} with data_format={fmt!r}")
    return x, sizes, axes


def adaptive_windows(length, out):
    """The (start, stop) of each of ``out`` adaptive windows over ``length`` elements."""
    i = np.arange(out)
    return (i * length) // out, -((-(i + 1) * length) // out)


def _along(x, ax, start, stop):
    return getitem(x, (slice(None),) * ax + (slice(start, stop),))


def _sliding_max(x, ax, k):
    """Max over every run of ``k`` consecutive elements along ``ax`` (stride 1), in
    O(log k) elementwise maxima: widths double, then one overlapping step reaches ``k``."""
    width = 1
    while 2 * width <= k:
        n = x.shape[ax]
        x = maximum(_along(x, ax, 0, n - width), _along(x, ax, width, n))
        width *= 2
    if width < k:
        n, shift = x.shape[ax], k - width
        x = maximum(_along(x, ax, 0, n - shift), _along(x, ax, shift, n))
    return x


def _adaptive_max_axis(x, ax, out):
    starts, stops = adaptive_windows(x.shape[ax], out)
    widths = stops - starts
    parts, order = [], []
    for k in np.unique(widths):
        pick = np.flatnonzero(widths == k)
        parts.append(take(_sliding_max(x, ax, int(k)), starts[pick], axis=ax))
        order.append(pick)
    if len(parts) == 1:
        return parts[0]
    # the windows of each width, then back into window order
    return take(concatenate(parts, axis=ax), np.argsort(np.concatenate(order)), axis=ax)


def _adaptive_mean_axis(x, ax, out):
    starts, stops = adaptive_windows(x.shape[ax], out)
    w = np.zeros((out, x.shape[ax]))
    for i, (a, b) in enumerate(zip(starts, stops)):
        w[i, a:b] = 1.0 / (b - a)
    w = Tensor(w.T.astype(x.dtype), device=x.device)  # (L, out)
    return moveaxis(matmul(moveaxis(x, ax, -1), w), -1, ax)


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average over adaptive windows so the spatial axes become ``output_size`` (an int or one
    int per spatial axis), whatever the input size; 1D, 2D or 3D from the input's rank.
    Integer inputs average in floatx."""
    x, sizes, axes = _adaptive_setup("adaptive_average_pool", inputs, output_size, data_format)
    if x.dtype.kind != "f":
        x = cast(x, floatx())
    for ax, out in zip(axes, sizes):
        x = _adaptive_mean_axis(x, ax, out)
    return x


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max over adaptive windows so the spatial axes become ``output_size`` (an int or one int
    per spatial axis), whatever the input size; 1D, 2D or 3D from the input's rank. The
    gradient goes to each window's maximum (the first on ties)."""
    x, sizes, axes = _adaptive_setup("adaptive_max_pool", inputs, output_size, data_format)
    for ax, out in zip(axes, sizes):
        x = _adaptive_max_axis(x, ax, out)
    return x


__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "avg_pool", "avg_pool1d",
    "avg_pool2d", "avg_pool3d", "max_pool", "max_pool1d", "max_pool2d", "max_pool3d",
]
