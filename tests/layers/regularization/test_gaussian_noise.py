"""``GaussianNoise``: identity outside training, N(0, stddev) added while training."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as G

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_gaussian_noise(device):
    x = np.ones((200, 50))
    layer = G.GaussianNoise(0.5)
    np.testing.assert_array_equal(run(layer, x, device).numpy(), x)
    y = run(layer, x, device, training=True).numpy()
    assert abs(y.mean() - 1.0) < 0.02
    cfg = layer.get_config()
    assert type(layer).from_config(cfg).get_config() == cfg
    assert abs(run(G.GaussianNoise(0.5), x, device, training=True).numpy().std() - 0.5) < 0.02
    with pytest.raises(ValueError, match=r"stddev"):
        G.GaussianNoise(-1)
