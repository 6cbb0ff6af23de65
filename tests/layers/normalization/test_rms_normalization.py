"""``RMSNormalization``: x / sqrt(mean(x²) + epsilon) * scale against NumPy, axes, gradients,
configs and mixed precision."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import check_layer_gradients, f64, round_trip

R = np.random.default_rng(11)

CASES = [
    ("rms_last", lambda: layers.RMSNormalization(), [(4, 5)]),
    ("rms_two_axes", lambda: layers.RMSNormalization(axis=[1, 2], epsilon=1e-3), [(2, 3, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_rms_normalization_matches_numpy(device):
    x = R.normal(loc=1.0, size=(2, 3, 4))
    scale = R.uniform(0.5, 1.5, size=(3, 4))
    with cf.device(device):
        layer = f64(layers.RMSNormalization(axis=[-1, -2], epsilon=1e-5))
        layer(cf.Tensor(x))
        layer.set_weights([scale])
        y = layer(cf.Tensor(x)).numpy()
    ms = (x * x).mean((1, 2), keepdims=True)
    np.testing.assert_allclose(y, x / np.sqrt(ms + 1e-5) * scale, rtol=1e-9)
    assert layer.axis == [-2, -1] and [w.name.split("/")[-1] for w in layer.weights] == ["scale"]


def test_keras_values_and_a_rank_other_than_the_build_rank():
    out = layers.RMSNormalization()(np.arange(10.0, dtype="float32")[None, :]).numpy()
    np.testing.assert_allclose(out[0, :3], [0.0, 0.18731716, 0.37463433], rtol=1e-5)
    layer = layers.RMSNormalization()
    layer.build((2, 2, 2))
    x = R.normal(size=(5, 2, 2, 2)).astype("float32")
    np.testing.assert_allclose(layer(x).numpy(),
                               x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6), rtol=1e-5)
    assert not layer.supports_masking  # as Keras


def test_mixed_float16_and_errors():
    out = layers.RMSNormalization(dtype="mixed_float16")(R.normal(size=(3, 4)))
    assert out.dtype == "float16"
    with pytest.raises(TypeError, match="Expected an int or a list/tuple of ints"):
        layers.RMSNormalization(axis="last")
    with pytest.raises(ValueError, match="Axis -3 is out of bounds"):
        layers.RMSNormalization(axis=-3).build((None, 4))
