"""``ReLU``: cap, negative slope and threshold against NumPy; argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import R


@pytest.mark.parametrize("make,x,want", [
    (lambda: layers.ReLU(max_value=1.0), [-1.0, 0.5, 3.0], [0.0, 0.5, 1.0]),
    (lambda: layers.ReLU(), [-2.0, 0.0, 2.0], [0.0, 0.0, 2.0]),
    (lambda: layers.ReLU(negative_slope=0.5, threshold=1.0), [-1.0, 0.5, 2.0], [-1.0, -0.25, 2.0]),
])
def test_relu_values_and_config(make, x, want):
    layer = make()
    got = layer(np.array([x], dtype="float32")).numpy()[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_relu_matches_numpy_formula(device):
    x = R.normal(scale=2.0, size=(4, 5))
    with cf.device(device):
        y = layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.5,
                        dtype="float64")(cf.Tensor(x))
    want = np.where(x >= 0.5, np.minimum(x, 1.5), 0.1 * (x - 0.5))
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-12)


def test_relu_argument_errors():
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value. "
                                         "Received: max_value=-1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be None or a "
                                         "negative value"):
        layers.ReLU(negative_slope=None)
    with pytest.raises(ValueError, match="threshold of a ReLU layer cannot be None"):
        layers.ReLU(threshold=-0.5)
    with pytest.raises(ValueError, match="ReLU arguments must be numbers; received 'x'"):
        layers.ReLU(negative_slope="x")


def test_weightless_activation_layers_are_built_at_construction():
    for layer in (layers.ReLU(), layers.LeakyReLU(), layers.ELU(), layers.Softmax(),
                  layers.Activation("tanh")):
        assert layer.built

    class OwnBuild(layers.ReLU):
        def build(self, input_shape):
            self.seen = input_shape

    layer = OwnBuild()
    assert not layer.built
    layer(np.ones((2, 3), "float32"))
    assert layer.built and layer.seen == (2, 3)
