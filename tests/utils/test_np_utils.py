"""cuflow.utils.np_utils: to_categorical and normalize on arrays and on device tensors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import utils
from cuflow.backend import parse_device
from cuflow.testing import on_every_device


def test_to_categorical_basic():
    out = utils.to_categorical([0, 2, 1, 2])
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(3)[[0, 2, 1, 2]])
    out = utils.to_categorical(np.array([[1], [0]]), num_classes=4, dtype="int32")
    assert out.shape == (2, 4) and out.dtype == np.int32  # a trailing 1 is dropped
    np.testing.assert_array_equal(out, [[0, 1, 0, 0], [1, 0, 0, 0]])
    seq = utils.to_categorical(np.array([[0, 1, 2], [2, 2, 0]]), 3)
    assert seq.shape == (2, 3, 3)
    np.testing.assert_array_equal(seq.argmax(-1), [[0, 1, 2], [2, 2, 0]])
    np.testing.assert_array_equal(utils.to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
    assert utils.to_categorical(np.zeros((0,), int), num_classes=3).shape == (0, 3)


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"label 3 is out of range for num_classes=3"):
        utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        utils.to_categorical([0, -1, 1])
    with pytest.raises(ValueError, match="non-integer"):
        utils.to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="cannot infer num_classes"):
        utils.to_categorical([])
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        utils.to_categorical([0, 1], num_classes=0)


@on_every_device
def test_to_categorical_tensor_stays_on_device(device):
    y = cf.Tensor(np.array([2, 0, 1]), device=device)
    out = utils.to_categorical(y, num_classes=4)
    assert isinstance(out, cf.Tensor) and out.device == parse_device(device)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.eye(4)[[2, 0, 1]])


def test_normalize_numpy():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    out = utils.normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [2 ** -0.5, -(2 ** -0.5)]])
    out1 = utils.normalize(x, axis=0, order=1)
    np.testing.assert_allclose(out1, x / np.abs(x).sum(0, keepdims=True))


@pytest.mark.parametrize("order", [1, 2, 3, np.inf])
@pytest.mark.parametrize("axis", [-1, 0])
@on_every_device
def test_normalize_tensor(device, order, axis):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    x[1] = 0.0
    out = utils.normalize(cf.Tensor(x, device=device), axis=axis, order=order)
    assert isinstance(out, cf.Tensor) and out.device == parse_device(device)
    np.testing.assert_allclose(out.numpy(), utils.normalize(x, axis=axis, order=order),
                               rtol=1e-9, atol=1e-12)
