"""``GaussianDropout``: identity outside training, multiplied by N(1, rate / (1 - rate)) noise
while training; its gradient is the noise."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as G

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_gaussian_dropout(device):
    x = np.ones((200, 50))
    layer = G.GaussianDropout(0.2)
    np.testing.assert_array_equal(run(layer, x, device).numpy(), x)
    y = run(layer, x, device, training=True).numpy()
    assert abs(y.mean() - 1.0) < 0.02
    cfg = layer.get_config()
    assert type(layer).from_config(cfg).get_config() == cfg
    sd = np.sqrt(0.2 / 0.8)
    assert abs(run(G.GaussianDropout(0.2), x, device, training=True).numpy().std() - sd) < 0.02
    # the gradient of x * noise is noise: x * noise is linear in x
    with cf.device(device):
        t = cf.Tensor(np.full((3, 4), 2.0), requires_grad=True)
        y = G.GaussianDropout(0.3)(t, training=True)
        y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy() * 2.0, y.numpy())
    with pytest.raises(ValueError, match=r"between 0 and 1. Received: rate=-0.1"):
        G.GaussianDropout(-0.1)
