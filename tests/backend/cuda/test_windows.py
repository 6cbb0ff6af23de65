"""Convolution windows and max pooling on the GPU (backend/cuda/windows.py,
``kernels/windows.cu``) against their NumPy twins: launches checked against the compiled
signatures on the CPU (1-D as height 1), and on a GPU the kernels (3-D through the array-generic
fallback) on the twins' geometries."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import windows as gk
from cuflow.backend.numpy import windows as nk

from .._cases import GEOMETRIES, POOLS, out_sizes, pool_inputs
from . import _fake_device as fd
from ._gpu import Dev, assert_twin


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


DTYPES = ["float32", "float64", "float16"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape,ks,strides,dils,pads", [
    ((2, 9, 3), (3,), (1,), (1,), ((2, 0),)),                         # 1-D causal
    ((2, 7, 6, 4), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),         # 2-D same
    ((1, 8, 9, 3), (2, 3), (2, 1), (1, 2), ((0, 0), (0, 0))),         # strides, dilation
])
def test_window_launches(checker, dtype, x_shape, ks, strides, dils, pads):
    outs = tuple(max((s + pb + pa - (k - 1) * d - 1) // st + 1, 0) for s, k, st, d, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, dils, pads))
    x = fd.device_array(_rand(x_shape, dtype))
    cols = gk.im2col(x, ks, strides, dils, pads, outs)
    assert cols.shape == (x_shape[0] * int(np.prod(outs)), int(np.prod(ks)) * x_shape[-1])
    oc = fd.device_array(_rand((int(np.prod(ks)), cols.shape[0], x_shape[-1]), dtype, 1))
    dx = gk.col2im(oc, x_shape, ks, strides, dils, pads, outs)
    assert dx.shape == x_shape
    assert [s for s, *_ in checker.launches] == ["windows.cu", "windows.cu"]
    # the launches were only checked, not run: the twin has the shapes the wrappers allocated
    assert nk.im2col(fd.read(x), ks, strides, dils, pads, outs).shape == cols.shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape,ks,strides,pads", [
    ((2, 9, 3), (2,), (2,), ((0, 0),)),
    ((2, 7, 6, 4), (3, 3), (1, 2), ((1, 1), (1, 1))),
])
def test_max_pool_launches(checker, dtype, x_shape, ks, strides, pads):
    outs = tuple(max((s + pb + pa - k) // st + 1, 0) for s, k, st, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, pads))
    x = fd.device_array(_rand(x_shape, dtype))
    y = gk.max_pool_forward(x, ks, strides, pads, outs)
    g = fd.device_array(_rand(y.shape, dtype, 1))
    dx = gk.max_pool_backward(g, x, y, ks, strides, pads, outs)
    assert y.shape == (x_shape[0],) + outs + (x_shape[-1],) and dx.shape == x_shape
    assert [s for s, *_ in checker.launches] == ["windows.cu", "windows.cu"]


# ---- on a GPU --------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("geom", GEOMETRIES + [((16, 30, 30, 32), (3, 3), (1, 1), (1, 1),
                                                ((0, 0), (0, 0)))])
def test_gpu_windows_equal_twin(geom, dtype):
    x_shape, ks, strides, dils, pads = geom
    outs = out_sizes(*geom)
    gk = Dev.mod()
    rng = np.random.default_rng(2)
    x = rng.normal(size=x_shape).astype(dtype)
    want = nk.im2col(x, ks, strides, dils, pads, outs)
    got = Dev.get(gk.im2col(Dev.strided(x), ks, strides, dils, pads, outs))
    np.testing.assert_array_equal(got, want)  # a copy: exact
    oc = rng.normal(size=(int(np.prod(ks)), want.shape[0], x_shape[-1])).astype(dtype)
    back = gk.col2im(Dev.put(oc), x_shape, ks, strides, dils, pads, outs)
    assert_twin(Dev.get(back), nk.col2im(oc, x_shape, ks, strides, dils, pads, outs), dtype)


@pytest.mark.gpu
@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("geom", POOLS + [((64, 30, 30, 32), (2, 2), (2, 2), ((0, 0),) * 2)])
def test_gpu_max_pool_equals_twin(geom, dtype):
    x_shape, pool, strides, pads = geom
    x, g, outs = pool_inputs(*geom, dtype)
    gk = Dev.mod()
    y = nk.max_pool_forward(x, pool, strides, pads, outs)
    yd = gk.max_pool_forward(Dev.strided(x), pool, strides, pads, outs)
    np.testing.assert_array_equal(Dev.get(yd), y)  # maxima are exact
    want = nk.max_pool_backward(g, x, y, pool, strides, pads, outs)
    got = gk.max_pool_backward(Dev.put(g), Dev.put(x), yd, pool, strides, pads, outs)
    assert_twin(Dev.get(got), want, dtype)
