"""ops.numpy.creation: zeros / ones / full (and ``*_like``), arange, linspace / logspace, eye /
identity / tri, array and copy: values, Keras' dtype rules, the current device, errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

from .._helpers import close, t

R = np.random.default_rng(3)


def test_creation_values_dtypes_and_device(device):
    with cf.device(device):
        assert ops.zeros((2, 3)).dtype == np.float32 and ops.zeros((2, 3)).device == device
        np.testing.assert_array_equal(ops.ones(3, dtype="int32").numpy(), np.ones(3, "int32"))
        np.testing.assert_array_equal(ops.full((2,), 7).numpy(), [7, 7])
        assert ops.full((2,), 7).dtype == np.int32 and ops.full((2,), 0.5).dtype == np.float32
        x = ops.convert_to_tensor(np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(ops.zeros_like(x).numpy(), np.zeros((2, 3)))
        assert ops.ones_like(x, dtype="int64").dtype == np.int64
        np.testing.assert_array_equal(ops.full_like(x, 3).numpy(), np.full((2, 3), 3.0))
        a = ops.arange(5)
        assert a.dtype == np.int32 and a.tolist() == [0, 1, 2, 3, 4]
        np.testing.assert_allclose(ops.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
        assert ops.arange(0, 1, 0.25).dtype == np.float32
        np.testing.assert_allclose(ops.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
        np.testing.assert_array_equal(ops.eye(3, 4, k=1).numpy(), np.eye(3, 4, 1))
        np.testing.assert_array_equal(ops.identity(2).numpy(), np.eye(2))
        np.testing.assert_array_equal(ops.tri(3).numpy(), np.tri(3))


def test_creation_errors():
    with pytest.raises(ValueError, match=r"\(2, -1\)"):
        ops.zeros((2, -1))
    with pytest.raises(TypeError, match="'abc'"):
        ops.ones("abc")
    with pytest.raises(ValueError, match="step=0"):
        ops.arange(0, 3, 0)
    assert ops.zeros(2, dtype="complex64").dtype == np.complex64  # complex data, as Keras
    with pytest.raises(TypeError, match="unsupported dtype"):
        ops.zeros(2, dtype="datetime64[s]")
    with pytest.raises(TypeError, match="N must be an int; received inf"):
        ops.tri(float("inf"))
    with pytest.raises(TypeError, match="stop must be a finite number"):
        ops.arange(0, float("inf"))
    with pytest.raises(ValueError, match="axis 2147483648"):
        ops.linspace(0.0, 1.0, 3, axis=2 ** 31)
    with pytest.raises(cf.OutOfMemoryError):
        ops.ones((2 ** 40,))


def test_logspace_copy_array(device):
    close(ops.logspace(0, 2, 3), [1.0, 10.0, 100.0])
    close(ops.logspace(0, 3, 4, base=2, endpoint=True), [1.0, 2.0, 4.0, 8.0])
    a = R.normal(size=(3, 4))
    x = t(a, device)
    for fn in (ops.copy, ops.array):
        y = fn(x)
        close(y, a)
        assert y is not x and y.data is not x.data
    assert ops.array([1.0, 2.0], dtype="float32").dtype == np.float32
