"""ops.pooling: max and average pooling against NumPy block reductions, TensorFlow's 'same'
padding (the average counts only real elements), gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(37)


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


def test_max_and_average_pool_valid(device):
    x = R.normal(size=(2, 4, 6, 3))
    blocks = x.reshape(2, 2, 2, 3, 2, 3)  # (batch, h / 2, 2, w / 2, 2, channels)
    close(ops.max_pool(t(x, device), 2), blocks.max(axis=(2, 4)))
    close(ops.average_pool(t(x, device), 2), blocks.mean(axis=(2, 4)))
    close(ops.avg_pool2d(t(x, device), (2, 3), strides=(2, 3)),
          x.reshape(2, 2, 2, 2, 3, 3).mean(axis=(2, 4)))
    check_gradients(lambda a: ops.avg_pool(a, 2), [x], device=device)
    check_gradients(lambda a: ops.max_pool(a, 2), [x], device=device)


def test_same_padding_counts_only_real_elements(device):
    x = np.arange(1.0, 6.0).reshape(1, 5, 1)
    # windows of 2 every 2: [1, 2], [3, 4], [5, pad]; the padding is not counted
    close(ops.avg_pool1d(t(x, device), 2, padding="same"), [[[1.5], [3.5], [5.0]]])
    close(ops.max_pool1d(t(x, device), 2, padding="same"), [[[2.0], [4.0], [5.0]]])


def test_pooling_errors():
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ops.max_pool(t(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="larger than the input's spatial size"):
        ops.avg_pool(t(np.ones((1, 2, 2, 1))), 3)
    with pytest.raises(ValueError, match="rank-4 input"):
        ops.max_pool2d(t(np.ones((1, 4, 1))), 2)
