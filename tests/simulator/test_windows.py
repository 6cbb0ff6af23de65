"""``kernels/windows.cu`` run by the simulator through ``backend/cuda/windows.py`` against
``backend/numpy/windows.py``: im2col (exact copies) and col2im (sums) over 1-D and 2-D
geometries with strides, dilations and padding, max pooling forward (exact) and backward (ties,
NaN, +-inf), every dtype. (3-D windows run CuPy's array code, not our kernels: not here.)"""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import windows as gk
from cuflow.backend.numpy import windows as nk

from ..backend._cases import GEOMETRIES, POOLS, out_sizes, pool_inputs
from ._twin import DTYPES, assert_twin, get, put


@pytest.mark.parametrize("dtype", DTYPES)
def test_im2col_col2im(sim, dtype):
    rng = np.random.default_rng(2)
    big = ((2, 12, 11, 5), (3, 3), (1, 1), (1, 1), ((0, 0), (0, 0)))
    for geom in [g for g in GEOMETRIES if len(g[1]) <= 2] + [big]:
        x_shape, ks, strides, dils, pads = geom
        outs = out_sizes(*geom)
        x = rng.normal(size=x_shape).astype(dtype)
        want = nk.im2col(x, ks, strides, dils, pads, outs)
        np.testing.assert_array_equal(get(gk.im2col(put(x), ks, strides, dils, pads, outs)),
                                      want)
        oc = rng.normal(size=(int(np.prod(ks)), want.shape[0], x_shape[-1])).astype(dtype)
        back = gk.col2im(put(oc), x_shape, ks, strides, dils, pads, outs)
        assert_twin(get(back), nk.col2im(oc, x_shape, ks, strides, dils, pads, outs), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool(sim, dtype):
    big = ((4, 10, 10, 9), (2, 2), (2, 2), ((0, 0),) * 2)
    for geom in [g for g in POOLS if len(g[1]) <= 2] + [big]:
        x_shape, pool, strides, pads = geom
        x, g, outs = pool_inputs(*geom, dtype)
        y = nk.max_pool_forward(x, pool, strides, pads, outs)
        yd = gk.max_pool_forward(put(x), pool, strides, pads, outs)
        np.testing.assert_array_equal(get(yd), y)
        want = nk.max_pool_backward(g, x, y, pool, strides, pads, outs)
        got = gk.max_pool_backward(put(g), put(x), yd, pool, strides, pads, outs)
        assert_twin(get(got), want, dtype)
