"""The compiled Dense epilogue against the NumPy path (CUFLOW_CPU_JIT off), bit for bit: the
forward (NaN, infinities, writing into z), dz and the bias gradient."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend import config
from cuflow.backend.numpy.backend import NumpyBackend
from cuflow.backend.numpy.jit import activations as ja

SHAPES = [(1, 1), (3, 5), (37, 16), (128, 256), (2049, 33)]


def _numpy_path(fn, *args):
    config.enable_cpu_jit(False)
    try:
        return fn(*args)
    finally:
        config.enable_cpu_jit(True)


def _inputs(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(shape).astype(dtype)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-30], dtype)
    spots = np.linspace(0, z.size - 1, len(specials)).astype(int)
    z.reshape(-1)[spots] = specials
    return z, rng.standard_normal(shape[1]).astype(dtype), rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ["relu", "linear"])
def test_forward_and_backward_equal_numpy(name, shape, dtype):
    bk = NumpyBackend()
    z, bias, dy = _inputs(shape, dtype, seed=shape[0])
    _, want = _numpy_path(bk.bias_activation_forward, name, z.copy(), bias)
    zz = z.copy()
    _, got = ja.bias_activation_forward(name, zz, bias)
    np.testing.assert_array_equal(got, want)
    assert np.shares_memory(got, zz)  # z is consumed, as the NumPy path and the GPU kernel do
    want_dz, want_db = _numpy_path(bk.bias_activation_backward, name, None, want, dy)
    dz, db = ja.bias_activation_backward(name, want, dy)
    np.testing.assert_array_equal(dz, want_dz)
    assert db.dtype == want_db.dtype
    np.testing.assert_array_equal(db, want_db)
    dz2, db2 = ja.bias_activation_backward(name, want, dy, need_bias=False)
    assert db2 is None
    np.testing.assert_array_equal(dz2, want_dz)


def test_readonly_z_gets_a_new_output():
    z = np.arange(6, dtype=np.float32).reshape(2, 3) - 3
    z.flags.writeable = False
    _, y = ja.bias_activation_forward("relu", z, np.ones(3, np.float32))
    np.testing.assert_array_equal(y, np.maximum(z + 1, 0))
    assert not np.shares_memory(y, z)


def test_bias_gradient_is_the_float64_row_sum():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((5000, 40)).astype(np.float32)
    dy = (rng.standard_normal(y.shape) * 1e3).astype(np.float32)
    dz, db = ja.bias_activation_backward("linear", y, dy)
    np.testing.assert_array_equal(dz, dy)
    want = np.zeros(40)
    for row in dy.astype(np.float64):  # one row after another, as the compiled loop
        want += row
    np.testing.assert_array_equal(db, want.astype(np.float32))
