"""The CPU backend (backend/numpy/backend.py): its fast paths compute exactly what the family
twins compute, arrays and transfers, seeding of its generators (the plain one and the
counter-based ``rng_state`` dropout draws from), GEMM and scatter-add."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.numpy import kernels as numpy_kernels
from cuflow.backend.numpy.backend import NumpyBackend

from .._cases import epilogue_problem


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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["relu", "linear", "gelu", "sigmoid"])
def test_cpu_fast_path_equals_twin(name, dtype):
    bk = NumpyBackend()
    z, b, dy = epilogue_problem(33, 17, dtype)
    dy.flat[40] = np.nan
    pre_t, y_t = numpy_kernels.bias_activation_forward(name, z.copy(), b)
    pre, y = bk.bias_activation_forward(name, z.copy(), b)
    np.testing.assert_array_equal(y, y_t)
    assert (pre is None) == (pre_t is None) and y.dtype == y_t.dtype
    for need_bias in (True, False):
        dz_t, db_t = numpy_kernels.bias_activation_backward(name, pre_t, y_t, dy, None, need_bias)
        dz, db = bk.bias_activation_backward(name, pre, y, dy, None, need_bias)
        np.testing.assert_array_equal(dz, dz_t)
        if need_bias:
            np.testing.assert_array_equal(db, db_t)
        else:
            assert db is None


def test_delegates_to_the_kernel_table():
    bk = NumpyBackend()
    assert bk._kernels is numpy_kernels
    x = np.array([[1.0, 3.0, 2.0]])
    np.testing.assert_array_equal(bk.row_argmax(x), [1])
    np.testing.assert_allclose(bk.softmax_forward(x), numpy_kernels.softmax_forward(x))


def test_arrays_and_transfers():
    bk = NumpyBackend()
    a = np.arange(3.0)
    assert bk.asarray(a) is a and bk.asarray([1, 2], dtype="float32").dtype == np.float32
    assert bk.to_numpy(a) is a and bk.is_native(a) and not bk.is_native([1.0])
    assert bk.synchronize() is None and bk.device == "cpu"
    assert repr(bk) == "<NumpyBackend device='cpu'>"


def test_seed_makes_draws_repeat():
    bk = NumpyBackend()
    bk.seed(7)
    a = bk.uniform((4,), -1.0, 1.0), bk.normal((3,), 2.0, 0.5, dtype="float64")
    bk.seed(7)
    b = bk.uniform((4,), -1.0, 1.0), bk.normal((3,), 2.0, 0.5, dtype="float64")
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].dtype == np.float32 and a[1].dtype == np.float64
    assert a[0].min() >= -1.0 and a[0].max() < 1.0


def test_rng_state_is_reseeded_in_place():
    bk = NumpyBackend()
    bk.seed(3)
    state = bk.rng_state
    assert state.dtype == np.int64 and list(state) == [3, 0]
    first = bk.random_uniform_counter((5,), "float32", state)
    assert state[1] == 5
    bk.seed(3)
    assert bk.rng_state is state and list(state) == [3, 0]  # the same array: graphs hold it
    np.testing.assert_array_equal(bk.random_uniform_counter((5,), "float32", state), first)


def test_matmul_and_scatter_add():
    bk = NumpyBackend()
    a, b = np.ones((2, 3, 4)), np.ones((4, 5))
    np.testing.assert_array_equal(bk.matmul(a, b), np.full((2, 3, 5), 4.0))
    target = np.zeros(4)
    bk.scatter_add(target, np.array([0, 2, 0]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(target, [4.0, 0.0, 2.0, 0.0])  # repeated indices accumulate


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_sparse_softmax_cross_entropy_fast_path_equals_twin(dtype, label_shape):
    rng = np.random.default_rng(7)
    logits = (rng.standard_normal((37, 11)) * 30).astype(dtype)
    logits[3, 4] = np.nan
    logits[5, :] = -np.inf
    logits[6, 2] = np.inf
    logits[7, :] = 3e38 if dtype == np.float32 else 1e300
    labels = rng.integers(0, 11, 37)
    if label_shape == "column":
        labels = labels[:, None]
    for need_grad in (True, False):
        per_t, g_t = numpy_kernels.sparse_softmax_cross_entropy(logits, labels, need_grad)
        per, g = NumpyBackend().sparse_softmax_cross_entropy(logits, labels, need_grad)
        np.testing.assert_array_equal(per, per_t)
        assert per.dtype == per_t.dtype == dtype
        if need_grad:
            np.testing.assert_array_equal(g, g_t)
            assert g.dtype == dtype
        else:
            assert g is None and g_t is None


def test_sparse_softmax_cross_entropy_fast_path_rejects_bad_labels():
    logits = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="sparse label 3 is out of range"):
        NumpyBackend().sparse_softmax_cross_entropy(logits, np.array([0, 3]))
    with pytest.raises(ValueError, match="sparse label -1 is out of range"):
        NumpyBackend().sparse_softmax_cross_entropy(logits, np.array([-1, 0]))
