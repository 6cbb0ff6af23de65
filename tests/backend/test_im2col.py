"""Convolution windows (``im2col`` and its transpose ``col2im``): the NumPy twin against nested
loops, the adjoint identity between the two, bad geometry rejected, and on a GPU the CUDA
kernels against the twin."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cuflow.backend import numpy_kernels as nk

from .test_kernels_gpu import Dev, assert_twin, gpu_available

# (x_shape, kernel, strides, dilations, pads)
GEOMETRIES = [
    ((2, 9, 3), (3,), (1,), (1,), ((2, 0),)),
    ((2, 10, 4), (2,), (3,), (1,), ((0, 1),)),
    ((2, 7, 6, 4), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),
    ((1, 8, 9, 3), (2, 3), (2, 1), (1, 2), ((0, 1), (2, 0))),
    ((3, 5, 5, 2), (5, 5), (1, 1), (1, 1), ((0, 0), (0, 0))),
    ((1, 4, 5, 4, 2), (2, 2, 3), (1, 2, 1), (1, 1, 1), ((0, 1), (1, 0), (1, 1))),
]


def _outs(x_shape, ks, strides, dils, pads):
    return tuple(max((s + pb + pa - (k - 1) * d - 1) // st + 1, 0) for s, k, st, d, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, dils, pads))


def _loop_im2col(x, ks, strides, dils, pads, outs):
    rows = []
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(n) for n in outs)):
            row = []
            for k in itertools.product(*(range(n) for n in ks)):
                pos = [oi * s + ki * d - p[0] for oi, ki, s, d, p in zip(o, k, strides, dils, pads)]
                inside = all(0 <= q < n for q, n in zip(pos, x.shape[1:-1]))
                row.append(x[(b, *pos)] if inside else np.zeros(x.shape[-1], x.dtype))
            rows.append(np.concatenate(row))
    return np.array(rows, dtype=x.dtype).reshape(len(rows), -1)


@pytest.mark.parametrize("geom", GEOMETRIES)
def test_im2col_twin_equals_loops(geom):
    x_shape, ks, strides, dils, pads = geom
    outs = _outs(*geom)
    x = np.random.default_rng(0).normal(size=x_shape)
    got = nk.im2col(x, ks, strides, dils, pads, outs)
    np.testing.assert_array_equal(got, _loop_im2col(x, ks, strides, dils, pads, outs))


@pytest.mark.parametrize("geom", GEOMETRIES)
def test_col2im_is_the_transpose_of_im2col(geom):
    x_shape, ks, strides, dils, pads = geom
    outs = _outs(*geom)
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
    outs = _outs(x_shape, ks, strides, dils, pads)
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


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("geom", GEOMETRIES + [((16, 30, 30, 32), (3, 3), (1, 1), (1, 1),
                                                ((0, 0), (0, 0)))])
def test_gpu_windows_equal_twin(geom, dtype):
    x_shape, ks, strides, dils, pads = geom
    outs = _outs(*geom)
    gk = Dev.mod()
    rng = np.random.default_rng(2)
    x = rng.normal(size=x_shape).astype(dtype)
    want = nk.im2col(x, ks, strides, dils, pads, outs)
    got = Dev.get(gk.im2col(Dev.strided(x), ks, strides, dils, pads, outs))
    np.testing.assert_array_equal(got, want)  # a copy: exact
    oc = rng.normal(size=(int(np.prod(ks)), want.shape[0], x_shape[-1])).astype(dtype)
    back = gk.col2im(Dev.put(oc), x_shape, ks, strides, dils, pads, outs)
    assert_twin(Dev.get(back), nk.col2im(oc, x_shape, ks, strides, dils, pads, outs), dtype)


# ---- max pooling ------------------------------------------------------------------------------

POOLS = [  # (x_shape, pool, strides, pads)
    ((2, 9, 3), (2,), (2,), ((0, 0),)),
    ((2, 7, 6, 4), (2, 2), (2, 2), ((0, 1), (0, 0))),
    ((1, 8, 9, 3), (3, 3), (1, 2), ((1, 1), (1, 1))),  # overlapping windows
    ((1, 5, 4, 3, 2), (2, 2, 2), (1, 2, 1), ((0, 0),) * 3),
]


def _pool_inputs(x_shape, pool, strides, pads, dtype, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=x_shape).astype(dtype)  # small ints: many ties
    x.flat[:4] = [np.nan, np.inf, -np.inf, -0.0]
    outs = _outs(x_shape, pool, strides, (1,) * len(pool), pads)
    g = rng.normal(size=(x_shape[0],) + outs + (x_shape[-1],)).astype(dtype)
    g.flat[-2:] = [np.inf, np.nan]
    return x, g, outs


def _loop_max_pool_backward(g, x, y, pool, strides, pads, outs):
    """Each window's gradient to its first maximal offset (padding = -inf), by loops."""
    dx = np.zeros(x.shape, np.float64)
    n = len(pool)
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(k) for k in outs)):
            for c in range(x.shape[-1]):
                yv = y[(b, *o, c)]
                first = None
                for k in itertools.product(*(range(p) for p in pool)):
                    pos = tuple(oi * s + ki - p[0] for oi, ki, s, p in zip(o, k, strides, pads))
                    inside = all(0 <= q < m for q, m in zip(pos, x.shape[1:-1]))
                    v = x[(b, *pos, c)] if inside else -np.inf
                    if first is None and v == yv:
                        first = pos if inside else ()
                for k in itertools.product(*(range(p) for p in pool)):
                    pos = tuple(oi * s + ki - p[0] for oi, ki, s, p in zip(o, k, strides, pads))
                    if all(0 <= q < m for q, m in zip(pos, x.shape[1:-1])):
                        with np.errstate(invalid="ignore"):
                            dx[(b, *pos, c)] += g[(b, *o, c)] * (pos == first)
    assert n == len(outs)
    return dx


@pytest.mark.parametrize("geom", POOLS)
def test_max_pool_twin_backward_equals_loops(geom):
    x_shape, pool, strides, pads = geom
    x, g, outs = _pool_inputs(*geom, np.float64)
    y = nk.max_pool_forward(x, pool, strides, pads, outs)
    got = nk.max_pool_backward(g, x, y, pool, strides, pads, outs)
    want = _loop_max_pool_backward(g, x, y, pool, strides, pads, outs)
    # the loops add window by window, the twin offset by offset: equal up to rounding
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, equal_nan=True)


def test_max_pool_backward_rejects_mismatched_gradients():
    x = np.zeros((1, 4, 4, 2), np.float32)
    y = nk.max_pool_forward(x, (2, 2), (2, 2), ((0, 0), (0, 0)), (2, 2))
    with pytest.raises(ValueError, match=r"g must be float32 of shape \(1, 2, 2, 2\); received "
                                         r"float32 of shape \(1, 2, 2, 3\)"):
        nk.max_pool_backward(np.zeros((1, 2, 2, 3), np.float32), x, y, (2, 2), (2, 2),
                             ((0, 0), (0, 0)), (2, 2))


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("geom", POOLS + [((64, 30, 30, 32), (2, 2), (2, 2), ((0, 0),) * 2)])
def test_gpu_max_pool_equals_twin(geom, dtype):
    x_shape, pool, strides, pads = geom
    x, g, outs = _pool_inputs(*geom, dtype)
    gk = Dev.mod()
    y = nk.max_pool_forward(x, pool, strides, pads, outs)
    yd = gk.max_pool_forward(Dev.strided(x), pool, strides, pads, outs)
    np.testing.assert_array_equal(Dev.get(yd), y)  # maxima are exact
    want = nk.max_pool_backward(g, x, y, pool, strides, pads, outs)
    got = gk.max_pool_backward(Dev.put(g), Dev.put(x), yd, pool, strides, pads, outs)
    assert_twin(Dev.get(got), want, dtype)
