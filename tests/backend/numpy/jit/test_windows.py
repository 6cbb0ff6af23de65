"""The compiled 2-D windows against the NumPy twins (``backend/numpy/windows.py``), bit for bit:
col2im (sums in kernel-offset order), max pooling forward (NumPy's NaN rule) and backward
(first maximum in window order, ``g * 0`` elsewhere, overlapping windows adding in offset order),
over strides, dilations, padding, overlapping and ragged windows, NaN and infinities."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.numpy import windows as nw
from cuflow.backend.numpy.jit import windows as jw

# (x shape, kernel, strides, dilations, ((top, bottom), (left, right)))
CONVS = [
    ((2, 7, 6, 3), (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0))),
    ((3, 9, 8, 5), (3, 2), (2, 1), (1, 2), ((1, 1), (0, 2))),
    ((1, 5, 5, 2), (5, 5), (1, 1), (1, 1), ((2, 2), (2, 2))),
    ((2, 6, 7, 4), (2, 3), (3, 2), (2, 1), ((1, 0), (1, 1))),
]
# (x shape, window, strides, padding)
POOLS = [
    ((2, 6, 6, 3), (2, 2), (2, 2), ((0, 0), (0, 0))),
    ((2, 7, 5, 4), (2, 2), (2, 2), ((0, 0), (0, 0))),  # ragged: last row/column in no window
    ((3, 9, 8, 5), (3, 3), (2, 1), ((1, 1), (1, 1))),  # overlapping, padded
    ((1, 5, 6, 2), (3, 2), (1, 3), ((1, 1), (0, 1))),
]


def _outs(shape, ks, strides, dils, pads):
    return tuple((s + pb + pa - (k - 1) * d - 1) // st + 1
                 for s, k, st, d, (pb, pa) in zip(shape[1:3], ks, strides, dils, pads))


def _data(shape, dtype, seed, relu=False):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    if relu:
        x = np.maximum(x, 0)  # ties at 0, as after a ReLU: the first maximum must win
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONVS)
def test_col2im_equals_numpy(case, dtype):
    shape, ks, strides, dils, pads = case
    outs = _outs(shape, ks, strides, dils, pads)
    cols = _data((ks[0] * ks[1], shape[0] * outs[0] * outs[1], shape[3]), dtype, 2)
    cols[0, 0, 0] = np.inf
    np.testing.assert_array_equal(jw.col2im(cols, shape, ks, strides, dils, pads, outs),
                                  nw.col2im(cols, shape, ks, strides, dils, pads, outs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", POOLS)
def test_max_pool_equals_numpy(case, dtype):
    shape, ks, strides, pads = case
    outs = _outs(shape, ks, strides, (1, 1), pads)
    x = _data(shape, dtype, 3, relu=True)
    x[0, 0, 0, 0] = np.nan  # a NaN window: maximum NaN, no gradient to any max
    x[-1, -1, -1, -1] = -np.inf
    y = nw.max_pool_forward(x, ks, strides, pads, outs)
    np.testing.assert_array_equal(jw.max_pool_forward(x, ks, strides, pads, outs), y)
    g = _data(y.shape, dtype, 4)
    g[0, -1, -1, 0] = np.inf  # spreads NaN (inf * 0) to the other positions of its window
    np.testing.assert_array_equal(jw.max_pool_backward(g, x, y, ks, strides, pads, outs),
                                  nw.max_pool_backward(g, x, y, ks, strides, pads, outs))


def test_all_infinite_window_with_padding():
    """A window of -inf: the maximum is -inf and the first -inf (possibly padding, whose share is
    dropped) takes the gradient, as in NumPy."""
    x = np.full((1, 2, 2, 1), -np.inf, np.float32)
    ks, strides, pads, outs = (2, 2), (1, 1), ((1, 0), (1, 0)), (2, 2)
    y = nw.max_pool_forward(x, ks, strides, pads, outs)
    g = np.arange(1, 5, dtype=np.float32).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(jw.max_pool_forward(x, ks, strides, pads, outs), y)
    np.testing.assert_array_equal(jw.max_pool_backward(g, x, y, ks, strides, pads, outs),
                                  nw.max_pool_backward(g, x, y, ks, strides, pads, outs))
