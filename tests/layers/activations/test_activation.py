"""``Activation``: any named or callable activation as a layer."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import R, check_layer_gradients, round_trip


@pytest.mark.parametrize("name,ref", [
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("tanh", np.tanh),
    ("relu", lambda x: np.maximum(x, 0)), ("linear", lambda x: x),
])
def test_activation_matches_numpy(name, ref, device):
    x = R.normal(size=(3, 4))
    with cf.device(device):
        y = layers.Activation(name, dtype="float64")(cf.Tensor(x))
    np.testing.assert_allclose(y.numpy(), ref(x), rtol=1e-12, atol=1e-12)


def test_activation_gradients_config_and_mask(device):
    check_layer_gradients(lambda: layers.Activation("sigmoid"), [(3, 4)], device)
    layer = round_trip(layers.Activation("softplus"))
    assert layer.get_config()["activation"] == "softplus"
    masked = layers.Embedding(3, 2, mask_zero=True)(np.array([[0, 1]]))
    np.testing.assert_array_equal(layers.Activation("tanh")(masked)._keras_mask.numpy(),
                                  [[False, True]])
    with pytest.raises(ValueError, match="Unknown activation"):
        layers.Activation("nope")
