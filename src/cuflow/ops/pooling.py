"""Max and average pooling (1D/2D/3D) over strided window views, TensorFlow's 'same' padding.

Max pooling routes the gradient to the window's argmax (the first on ties, as TF); average
pooling with 'same' divides by the number of real (non-padded) elements, as TF.
"""

from __future__ import annotations

import math

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


__all__ = [
    "average_pool", "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool", "max_pool1d",
    "max_pool2d", "max_pool3d",
]
