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


def test_softmax_masked_positions_are_zero_even_in_fully_masked_rows():
    x = np.array([[1.0, 2.0, 5.0, 1.0], [1.0, 1.0, 1.0, 1.0]], dtype="float32")
    mask = np.array([[True, True, False, False], [False, False, False, False]])
    out = layers.Softmax()(x, mask=mask).numpy()
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(out[0], [*(e / e.sum()), 0, 0], rtol=1e-6)
    np.testing.assert_array_equal(out[1], 0.0)
    numeric = layers.Softmax()(x, mask=mask.astype("float32")).numpy()  # > 0.5 keeps
    np.testing.assert_allclose(numeric, out)


def test_softmax_over_several_axes_with_a_mask():
    x = np.array([[1.0, 2.0, 1.0], [1.0, 2.0, 1.0]])
    mask = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    out = layers.Softmax(axis=(1, 0))(x, mask=mask).numpy()
    np.testing.assert_allclose(out, [[0.21194154, 0.0, 0.21194154], [0.0, 0.57611686, 0.0]],
                               rtol=1e-6)


def test_softmax_mask_must_broadcast():
    x = np.array([[1.0, 2.0, 1.0]])
    with pytest.raises(ValueError, match="must not have more dimensions"):
        layers.Softmax()(x, mask=np.ones((1, 1, 3)))
    with pytest.raises(ValueError, match="broadcastable"):
        layers.Softmax()(x, mask=np.ones((2, 3)))
