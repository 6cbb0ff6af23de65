"""``ELU``: ``x`` above zero, ``alpha * (exp(x) - 1)`` below; config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import R, check_layer_gradients


@pytest.mark.parametrize("make,x,want", [
    (lambda: layers.ELU(alpha=1.0), [-1.0, 2.0], [np.expm1(-1.0), 2.0]),
    (lambda: layers.ELU(alpha=0.5), [-2.0, 0.0, 1.5], [0.5 * np.expm1(-2.0), 0.0, 1.5]),
])
def test_elu_values_and_config(make, x, want):
    layer = make()
    got = layer(np.array([x], dtype="float32")).numpy()[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_elu_matches_numpy_and_gradients(device):
    x = R.normal(size=(3, 4))
    with cf.device(device):
        y = layers.ELU(alpha=0.7, dtype="float64")(cf.Tensor(x))
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, 0.7 * np.expm1(x)), rtol=1e-12)
    check_layer_gradients(lambda: layers.ELU(alpha=0.7), [(3, 4)], device)
    with pytest.raises(ValueError, match="ELU: alpha must be a number; received 'a'"):
        layers.ELU(alpha="a")
