"""ops.nn.encoding: one_hot (Keras and TF argument names, negative indices, axis, dtype) and
multi_hot, with their errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

from .._helpers import close


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


def test_one_hot_keras_and_tf_names(device):
    with cf.device(device):
        idx = t(np.array([0, 2, -1]), device)
        want = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]], dtype=np.float32)
        np.testing.assert_array_equal(ops.one_hot(idx, 3).numpy(), want)
        np.testing.assert_array_equal(ops.one_hot(idx, num_classes=3).numpy(), want)
        np.testing.assert_array_equal(ops.one_hot(indices=idx, depth=3).numpy(), want)
        np.testing.assert_array_equal(ops.one_hot(idx, 3, axis=0).numpy(), want.T)
        assert ops.one_hot(idx, 3, dtype="int32").dtype == np.int32
    with pytest.raises(ValueError, match="index 3 is out of range"):
        ops.one_hot(np.array([3]), 3)
    with pytest.raises(TypeError, match="float64"):
        ops.one_hot(np.array([1.0]), 3)


def test_one_hot_is_float32(device):
    oh = ops.one_hot(cf.Tensor(np.array([0, 2, 1]), device=device), 3)
    np.testing.assert_array_equal(oh.numpy(), np.eye(3, dtype=np.float32)[[0, 2, 1]])
    assert oh.dtype == np.float32


def test_multi_hot(device):
    close(ops.multi_hot(t([[1, 3], [0, 0]], device), num_classes=5),
          [[0, 1, 0, 1, 0], [1, 0, 0, 0, 0]])
    close(ops.multi_hot(t([1, 3], device), num_tokens=5), [0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="out of range for num_classes"):
        ops.multi_hot(t([5], device), 3)
