"""``BatchNormalization``: batch statistics while training, moving statistics for inference,
weights, gradients, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import check_layer_gradients, round_trip

R = np.random.default_rng(9)


CASES = [
    ("batchnorm", lambda: layers.BatchNormalization(), [(6, 3)]),
    ("batchnorm_axis1", lambda: layers.BatchNormalization(axis=1, center=False), [(4, 2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_batchnorm_training_and_inference_statistics():
    bn = layers.BatchNormalization(momentum=0.5, epsilon=1e-3)
    x = R.normal(loc=3.0, scale=2.0, size=(50, 2)).astype("float32")
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(0), x.var(0) / (x.var(0) + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    inf = bn(x, training=False).numpy()
    want = (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inf, want, rtol=1e-5, atol=1e-5)
    assert [w.name.split("/")[-1] for w in bn.weights] == ["gamma", "beta", "moving_mean",
                                                           "moving_variance"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_batchnorm_channels_first_and_errors(device):
    x = R.normal(size=(8, 3, 2, 2))
    with cf.device(device):
        bn = layers.BatchNormalization(axis=1, dtype="float64")
        y = bn(cf.Tensor(x), training=True).numpy()
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match=r"BatchNormalization: momentum must be in \[0, 1\]; "
                                         r"received 2.0"):
        layers.BatchNormalization(momentum=2.0)
    with pytest.raises(ValueError, match="epsilon must be positive"):
        layers.BatchNormalization(epsilon=0)
    with pytest.raises(ValueError, match=r"axis -1 of input shape \(None, None\) must be known"):
        layers.BatchNormalization().build((None, None))
