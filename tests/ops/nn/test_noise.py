"""ops.nn.noise: dropout (the kept fraction, the 1 / (1 - rate) scale, noise_shape, the
gradient through the mask), Gaussian noise and Gaussian dropout statistics, errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

from .._helpers import t


def test_dropout(device):
    cf.utils.set_random_seed(1)
    x = t(np.ones((200, 50)), device)
    y = ops.dropout(x, 0.3).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    assert ops.dropout(x, 0.3, training=False) is x and ops.dropout(x, 0.0) is x
    col = ops.dropout(x, 0.5, noise_shape=(None, 1)).numpy()
    assert (col == col[:, :1]).all()  # one draw per row, shared along axis 1
    xg = cf.Tensor(np.ones((4, 5)), device=device, requires_grad=True)
    with cf.GradientTape() as tape:
        out = ops.dropout(xg, 0.5)
        total = ops.sum(out)
    (g,) = tape.gradient(total, [xg])
    np.testing.assert_allclose(g.numpy(), out.numpy())  # mask * scale, which out equals at x = 1
    with pytest.raises(ValueError, match=r"dropout rate must be in \[0, 1\)"):
        ops.dropout(x, 1.0)


def test_gaussian_noise_and_dropout(device):
    cf.utils.set_random_seed(2)
    n = ops.gaussian_noise(t(np.zeros((400, 100)), device), 0.5).numpy()
    assert abs(n.mean()) < 0.01 and abs(n.std() - 0.5) < 0.01
    d = ops.gaussian_dropout(t(np.ones((400, 100)), device), 0.2).numpy()
    assert abs(d.mean() - 1.0) < 0.01 and abs(d.std() - np.sqrt(0.2 / 0.8)) < 0.01
    xg = cf.Tensor(np.ones(3), device=device, requires_grad=True)
    with cf.GradientTape() as tape:
        total = ops.sum(ops.gaussian_noise(xg, 1.0))
    (g,) = tape.gradient(total, [xg])
    np.testing.assert_array_equal(g.numpy(), np.ones(3))
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        ops.gaussian_dropout(xg, 1.0)
