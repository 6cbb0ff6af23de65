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
