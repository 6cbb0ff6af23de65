"""``Softmax``: over an axis, with masked positions getting no probability."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import R, round_trip


@pytest.mark.parametrize("make,x,want", [
    (lambda: layers.Softmax(), [1.0, 2.0], np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()),
])
def test_softmax_values_and_config(make, x, want):
    layer = make()
    got = layer(np.array([x], dtype="float32")).numpy()[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_softmax_axis_and_mask(device):
    x = R.normal(size=(2, 3, 4))
    with cf.device(device):
        y = layers.Softmax(axis=1, dtype="float64")(cf.Tensor(x))
        mask = np.array([[True, True, False, True]] * 2)
        m = layers.Softmax(dtype="float64")(cf.Tensor(x[:, 0]), mask=cf.Tensor(mask))
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(y.numpy(), e / e.sum(1, keepdims=True), rtol=1e-12)
    em = np.exp(x[:, 0]) * mask
    np.testing.assert_allclose(m.numpy(), em / em.sum(-1, keepdims=True), rtol=1e-9, atol=1e-12)
    assert round_trip(layers.Softmax(axis=1)).axis == 1
