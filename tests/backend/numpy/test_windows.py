"""The window twins (backend/numpy/windows.py), the reference semantics of
``kernels/windows.cu``: im2col against nested loops, col2im as its transpose, max pooling and
its gradient against loops, bad geometry rejected, and the array-generic helpers."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.numpy import windows as nk

from .._cases import GEOMETRIES, POOLS, loop_im2col, loop_max_pool_backward, out_sizes, pool_inputs


@pytest.mark.parametrize("geom", GEOMETRIES)
def test_im2col_twin_equals_loops(geom):
    x_shape, ks, strides, dils, pads = geom
    outs = out_sizes(*geom)
    x = np.random.default_rng(0).normal(size=x_shape)
    got = nk.im2col(x, ks, strides, dils, pads, outs)
    np.testing.assert_array_equal(got, loop_im2col(x, ks, strides, dils, pads, outs))


@pytest.mark.parametrize("geom", GEOMETRIES)
def test_col2im_is_the_transpose_of_im2col(geom):
    x_shape, ks, strides, dils, pads = geom
    outs = out_sizes(*geom)
    rng = np.random.default_rng(1)
    x = rng.normal(size=x_shape)
    cols = nk.im2col(x, ks, strides, dils, pads, outs)
    y = rng.normal(size=cols.shape)
    kp, c = int(np.prod(ks)), x_shape[-1]
    offset_major = y.reshape(len(y), kp, c).transpose(1, 0, 2)
    back = nk.col2im(offset_major, x_shape, ks, strides, dils, pads, outs)
    assert back.shape == x_shape
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * back), rtol=1e-12)


def test_col2im_of_ones_counts_window_coverage():
    x_shape, ks, strides, dils, pads = (1, 5, 5, 1), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))
    outs = out_sizes(x_shape, ks, strides, dils, pads)
    ones = np.ones((9, 25, 1))
    back = nk.col2im(ones, x_shape, ks, strides, dils, pads, outs)[0, :, :, 0]
    assert back[0, 0] == 4 and back[0, 2] == 6 and back[2, 2] == 9


def test_bad_geometry_is_rejected_with_what_was_received():
    x = np.zeros((1, 6, 6, 2), np.float32)
    with pytest.raises(ValueError, match=r"output sizes \(5, 5\) do not match.*expected \(4, 4\)"):
        nk.im2col(x, (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0)), (5, 5))
    with pytest.raises(ValueError, match="strides must be 2 ints >= 1; received"):
        nk.im2col(x, (3, 3), (0, 1), (1, 1), ((0, 0), (0, 0)), (4, 4))
    with pytest.raises(ValueError, match=r"shape \(9, 16, 2\).*received \(9, 16, 3\)"):
        nk.col2im(np.zeros((9, 16, 3)), x.shape, (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0)),
                  (4, 4))
    with pytest.raises(TypeError, match="received dtype int64"):
        nk.im2col(np.zeros((1, 6, 6, 2), np.int64), (3, 3), (1, 1), (1, 1),
                  ((0, 0), (0, 0)), (4, 4))


# ---- max pooling ----------------------------------------------------------------------------

@pytest.mark.parametrize("geom", POOLS)
def test_max_pool_twin_backward_equals_loops(geom):
    x_shape, pool, strides, pads = geom
    x, g, outs = pool_inputs(*geom, np.float64)
    y = nk.max_pool_forward(x, pool, strides, pads, outs)
    got = nk.max_pool_backward(g, x, y, pool, strides, pads, outs)
    want = loop_max_pool_backward(g, x, y, pool, strides, pads, outs)
    # the loops add window by window, the twin offset by offset: equal up to rounding
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, equal_nan=True)


def test_max_pool_backward_rejects_mismatched_gradients():
    x = np.zeros((1, 4, 4, 2), np.float32)
    y = nk.max_pool_forward(x, (2, 2), (2, 2), ((0, 0), (0, 0)), (2, 2))
    with pytest.raises(ValueError, match=r"g must be float32 of shape \(1, 2, 2, 2\); received "
                                         r"float32 of shape \(1, 2, 2, 3\)"):
        nk.max_pool_backward(np.zeros((1, 2, 2, 3), np.float32), x, y, (2, 2), (2, 2),
                             ((0, 0), (0, 0)), (2, 2))


def test_max_pool_forward_is_the_nan_propagating_window_maximum():
    x = np.array([[[1.0], [np.nan], [3.0], [-2.0]]])  # (1, 4, 1)
    y = nk.max_pool_forward(x, (2,), (2,), ((0, 0),), (2,))
    assert np.isnan(y[0, 0, 0]) and y[0, 1, 0] == 3.0
    padded = nk.max_pool_forward(-np.ones((1, 2, 1)), (2,), (1,), ((1, 0),), (2,))
    np.testing.assert_array_equal(padded[0, :, 0], [-1.0, -1.0])  # padding counts as -inf


# ---- the array-generic helpers ----------------------------------------------------------------

def test_window_view_is_a_strided_view_not_a_copy():
    a = np.arange(2 * 5 * 3, dtype=np.float64).reshape(2, 5, 3)
    w = nk.windows(np, a, (2,), (2,), (1,), (2,))
    assert w.shape == (2, 2, 2, 3) and np.shares_memory(w, a)
    np.testing.assert_array_equal(w[1, 1, 0], a[1, 2])
    np.testing.assert_array_equal(w[1, 1, 1], a[1, 3])


def test_pad_crop_and_the_xp_functions_agree_with_the_twins():
    x = np.random.default_rng(5).normal(size=(1, 4, 4, 2))
    pads = ((1, 0), (0, 1))
    padded = nk.pad_spatial(np, x, pads)
    assert padded.shape == (1, 5, 5, 2) and padded[0, 0].sum() == 0
    np.testing.assert_array_equal(nk.crop_spatial(padded, pads, (4, 4)), x)
    assert nk.pad_spatial(np, x, ((0, 0), (0, 0))) is x
    geom = ((3, 3), (1, 1), (1, 1), ((1, 1), (1, 1)), (4, 4))
    np.testing.assert_array_equal(nk.im2col_xp(np, x, *geom), nk.im2col(x, *geom))
    y = nk.max_pool_xp(np, x, (2, 2), (2, 2), ((0, 0), (0, 0)), (2, 2))
    np.testing.assert_array_equal(y, x.reshape(1, 2, 2, 2, 2, 2).max(axis=(2, 4)))
