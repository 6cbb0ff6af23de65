"""``LayerNormalization``: per-sample statistics over the chosen axes, RMS scaling, gradients,
configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import check_layer_gradients, f64, round_trip

R = np.random.default_rng(9)


CASES = [
    ("layernorm", lambda: layers.LayerNormalization(), [(4, 5)]),
    ("layernorm_axes", lambda: layers.LayerNormalization(axis=[1, 2]), [(2, 3, 4)]),
    ("rms", lambda: layers.LayerNormalization(rms_scaling=True), [(3, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_layer_normalization_matches_numpy(device):
    x = R.normal(loc=2.0, size=(2, 3, 4))
    gamma, beta = R.uniform(0.5, 1.5, size=(3, 4)), R.normal(size=(3, 4))
    with cf.device(device):
        ln = f64(layers.LayerNormalization(axis=(1, 2), epsilon=1e-5))
        ln(cf.Tensor(x))
        ln.set_weights([gamma, beta])
        y = ln(cf.Tensor(x)).numpy()
        rms = f64(layers.LayerNormalization(rms_scaling=True, epsilon=1e-5))
        r = rms(cf.Tensor(x)).numpy()
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5) * gamma + beta, rtol=1e-9)
    np.testing.assert_allclose(r, x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5),
                               rtol=1e-9)


def test_layer_normalization_weights_and_errors():
    ln = layers.LayerNormalization(scale=False)
    ln.build((None, 3, 4))
    assert [w.name.split("/")[-1] for w in ln.weights] == ["beta"]
    assert ln.get_config()["axis"] == [-1]
    with pytest.raises(ValueError, match="normalised axes of .* must be known"):
        layers.LayerNormalization().build((None, None))
