"""SpatialDropout1D/2D/3D: whole feature maps are dropped, in both data formats."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as G

from .._helpers import run_on as run

R = np.random.default_rng(3)


# ---- regularization -----------------------------------------------------------------------
@pytest.mark.parametrize("cls,rank", [(G.SpatialDropout1D, 1), (G.SpatialDropout2D, 2),
                                      (G.SpatialDropout3D, 3)])
def test_spatial_dropout_drops_whole_channels(device, cls, rank):
    x = np.ones((4,) + (3,) * rank + (8,))
    layer = cls(0.5)
    np.testing.assert_array_equal(run(layer, x, device, training=False).numpy(), x)
    y = run(layer, x, device, training=True).numpy()
    per_channel = y.reshape(4, -1, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # constant per map
    assert set(np.unique(y)) <= {0.0, 2.0}
    cfg = layer.get_config()
    assert cls.from_config(cfg).get_config() == cfg
    if rank > 1:
        z = run(cls(0.5, data_format="channels_first"), np.ones((4, 8) + (3,) * rank), device,
                training=True).numpy().reshape(4, 8, -1)
        assert np.all(z.min(axis=2) == z.max(axis=2))
    with pytest.raises(ValueError, match=f"ndim={rank + 2}"):
        run(cls(0.5), np.ones((2, 3)), device, training=True)


def test_spatial_dropout_rate_errors():
    with pytest.raises(ValueError, match=r"between 0 and 1. Received: rate=2.0"):
        G.SpatialDropout2D(2.0)
