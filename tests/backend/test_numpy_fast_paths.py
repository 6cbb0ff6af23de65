"""The NumPy backend's fast paths compute exactly what the reference twins compute."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend import numpy_kernels
from cuflow.backend.numpy_backend import NumpyBackend


def _inputs(dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(33, 17)).astype(dtype)
    x[0, :6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30]
    dy = rng.normal(size=x.shape).astype(dtype)
    dy[1, 0] = np.nan
    return x, dy


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_fast_path_equals_twin(dtype):
    bk = NumpyBackend()
    x, dy = _inputs(dtype)
    y = bk.activation_forward("relu", x)
    np.testing.assert_array_equal(y, numpy_kernels.activation_forward("relu", x))
    assert y.dtype == x.dtype
    dx = bk.activation_backward("relu", x, y, dy)
    np.testing.assert_array_equal(dx, numpy_kernels.activation_backward("relu", x, y, dy))
    assert dx.dtype == x.dtype


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_batch_fast_path_equals_twin(dtype):
    bk = NumpyBackend()
    x, _ = _inputs(dtype)
    got = bk.sum_batch(x)
    np.testing.assert_array_equal(got, numpy_kernels.sum_batch(x))
    assert got.dtype == x.dtype


def test_fast_paths_fall_back_for_other_inputs():
    bk = NumpyBackend()
    h = np.ones((2, 2), dtype=np.float16)
    np.testing.assert_array_equal(bk.activation_forward("relu", h),
                                  numpy_kernels.activation_forward("relu", h))
    with pytest.raises(TypeError):
        bk.activation_forward("relu", np.ones(2, dtype=np.int64))
    with pytest.raises(ValueError):
        bk.sum_batch(np.float32(1.0).reshape(()))
