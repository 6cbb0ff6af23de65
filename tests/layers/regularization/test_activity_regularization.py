"""``ActivityRegularization``: the identity, adding ``l1 * sum|x| + l2 * sum x^2`` to the losses."""

from __future__ import annotations

import numpy as np

from cuflow import layers as G

from .._helpers import round_trip
from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_activity_regularization(device):
    layer = G.ActivityRegularization(l1=0.1, l2=0.01)
    x = R.normal(size=(2, 3))
    y = run(layer, x, device)
    np.testing.assert_array_equal(y.numpy(), x)
    (loss,) = layer.losses
    # as Keras 3: an activity loss is divided by the batch size (2 here)
    np.testing.assert_allclose(float(loss.numpy()),
                               (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2, rtol=1e-6)
    assert layer.get_config()["l1"] == 0.1


def test_activity_regularization_config_and_per_call_losses():
    layer = round_trip(G.ActivityRegularization(l1=0.5))
    layer(np.ones((2, 2), "float32"))
    layer(np.ones((2, 2), "float32"))  # a second call replaces the first call's loss
    assert [float(v.numpy()) for v in layer.losses] == [1.0]  # 0.5 * 4 / batch 2
    assert layer.get_config()["l2"] == 0.0
