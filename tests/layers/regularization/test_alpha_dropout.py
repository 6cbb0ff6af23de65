"""``AlphaDropout``: Keras 3's affine correction on a fixed mask, preserved mean and variance,
noise_shape, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from .._helpers import f32, round_trip

R = np.random.default_rng(3)


# ---- AlphaDropout -----------------------------------------------------------------------------
ALPHA = 1.6732632423543772848170429916717
SCALE = 1.0507009873554804934193349852946


def test_alpha_dropout_exact_formula_on_fixed_mask():
    rate = 0.3
    layer = L.AlphaDropout(rate)
    x = f32(4, 5)
    mask = (R.uniform(size=(4, 5)) >= rate).astype("float32")
    layer._keep_mask = lambda inputs: cf.Tensor(mask)
    got = layer(x, training=True).numpy()
    alpha_p = -ALPHA * SCALE
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    np.testing.assert_allclose(got, a * (x * mask + alpha_p * (1 - mask)) + b, rtol=1e-6)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: identity
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)


def test_alpha_dropout_preserves_mean_and_variance():
    cf.random.set_seed(11)
    x = np.random.default_rng(3).normal(size=(400, 500)).astype("float32")  # SELU fixed point
    for rate in (0.1, 0.5):
        y = L.AlphaDropout(rate)(x, training=True).numpy()
        assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.02, (rate, y.mean(), y.var())
        alpha_p = -ALPHA * SCALE
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        dropped = np.isclose(y, a * alpha_p * (1 - rate), rtol=0, atol=1e-6)  # a alpha_p + b
        assert abs(dropped.mean() - rate) < 0.01


def test_alpha_dropout_noise_shape_and_config():
    cf.random.set_seed(2)
    layer = L.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=3)
    y = layer(f32(3, 6, 4) + 10.0, training=True).numpy()
    low = y < 0  # dropped units (kept ones are a * (x + 10) + b > 0)
    assert (low == low[:, :1, :]).all() and 0 < low.mean() < 1
    clone = round_trip(layer)
    assert clone.noise_shape == (None, 1, 4) and clone.seed == 3


def test_alpha_dropout_errors():
    with pytest.raises(ValueError, match=r"Received: rate=1.5"):
        L.AlphaDropout(1.5)
    with pytest.raises(ValueError, match="rate=1.0"):
        L.AlphaDropout(1.0)(f32(2, 3), training=True)
    with pytest.raises(ValueError, match=r"noise_shape \(1,\) does not match"):
        L.AlphaDropout(0.2, noise_shape=(1,))(f32(2, 3), training=True)
