"""``LeakyReLU``: values, the tf.keras 2 ``alpha`` name, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers

from .._helpers import check_layer_gradients


@pytest.mark.parametrize("make,x,want", [
    (lambda: layers.LeakyReLU(negative_slope=0.1), [-1.0, 2.0], [-0.1, 2.0]),
    (lambda: layers.LeakyReLU(alpha=0.5), [-2.0, 3.0], [-1.0, 3.0]),
    (lambda: layers.LeakyReLU(), [-10.0, 1.0], [-3.0, 1.0]),
])
def test_leaky_relu_values_and_config(make, x, want):
    layer = make()
    got = layer(np.array([x], dtype="float32")).numpy()[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_leaky_relu_gradient_and_errors(device):
    check_layer_gradients(lambda: layers.LeakyReLU(0.2), [(3, 4)], device)
    with pytest.raises(ValueError, match="The negative_slope value of a Leaky ReLU layer cannot "
                                         "be None or negative value"):
        layers.LeakyReLU(-0.1)
    with pytest.raises(ValueError, match="Received: negative_slope=None"):
        layers.LeakyReLU(None)
