"""``PReLU``: a learned negative slope per feature (or shared over axes); gradients, config and
errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import round_trip


def test_prelu_learns_slope_gradient():
    layer = layers.PReLU()
    x = cf.Tensor(np.array([[-2.0, 3.0]], dtype="float32"))
    layer(x)
    layer.alpha.assign(np.array([0.25, 0.25], dtype="float32"))
    with cf.GradientTape() as tape:
        y = layer(x).sum()
    (g,) = tape.gradient(y, [layer.alpha])
    np.testing.assert_allclose(g.numpy(), [-2.0, 0.0])
    np.testing.assert_allclose(layer(x).numpy(), [[-0.5, 3.0]])


def test_prelu_shared_axes_values_and_config():
    layer = layers.PReLU(alpha_initializer="ones", shared_axes=[1, 2])
    x = np.array([[[[-1.0, 2.0]], [[-3.0, 4.0]]]], "float32")  # (1, 2, 1, 2)
    y = layer(x)
    assert layer.alpha.shape == (1, 1, 2)
    np.testing.assert_array_equal(y.numpy(), x)  # slope 1: the identity
    layer.alpha.assign(np.array([[[0.5, 0.25]]], "float32"))
    np.testing.assert_array_equal(layer(x).numpy(), [[[[-0.5, 2.0]], [[-1.5, 4.0]]]])
    clone = round_trip(layer)
    assert clone.shared_axes == [1, 2]


def test_prelu_needs_known_dimensions():
    with pytest.raises(ValueError, match=r'"pr" \(PReLU\) needs known non-batch dimensions'):
        layers.PReLU(name="pr").build((None, None, 3))
