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
]


def _rms_layer(**kwargs):
    with pytest.warns(UserWarning, match="`rms_scaling=True`, which is deprecated"):
        return layers.LayerNormalization(rms_scaling=True, **kwargs)


def test_rms_scaling_gradients_and_config(device):
    check_layer_gradients(_rms_layer, [(3, 4)], device)
    layer = _rms_layer()
    with pytest.warns(UserWarning):
        assert round_trip(layer).rms_scaling


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
        rms = f64(_rms_layer(epsilon=1e-5))
        r = rms(cf.Tensor(x)).numpy()
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5) * gamma + beta, rtol=1e-9)
    # Keras's legacy rms_scaling: x scaled by the variance (uncentered output, no beta)
    np.testing.assert_allclose(r, x / np.sqrt(x.var(-1, keepdims=True) + 1e-5), rtol=1e-9)


def test_layer_normalization_weights_and_errors():
    ln = layers.LayerNormalization(scale=False)
    ln.build((None, 3, 4))
    assert [w.name.split("/")[-1] for w in ln.weights] == ["beta"]
    assert ln.get_config()["axis"] == [-1]  # a list once built, as Keras
    with pytest.raises(ValueError, match="normalised axes of .* must be known"):
        layers.LayerNormalization().build((None, None))


def test_keras_values_axis_canonicalisation_and_axis_errors():
    out = layers.LayerNormalization(beta_initializer="ones")(np.arange(5.0)[None, :])
    np.testing.assert_allclose(out.numpy(), [[-0.41386, 0.29307, 1.0, 1.70693, 2.41386]],
                               rtol=1e-4)
    out = _rms_layer()(np.arange(5.0)[None, :])
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.70693, 1.41386, 2.12079, 2.82772]],
                               rtol=1e-4)
    x = R.normal(size=(2, 3, 4)).astype("float32")
    unsorted = layers.LayerNormalization(axis=[-1, -2])
    np.testing.assert_allclose(unsorted(x).numpy(),
                               layers.LayerNormalization(axis=[-2, -1])(x).numpy(), rtol=1e-6)
    assert unsorted.axis == [-2, -1] and unsorted.gamma.shape == (3, 4)
    one = layers.LayerNormalization()
    assert one.get_config()["axis"] == -1
    one.build((None, 4))
    assert one.get_config()["axis"] == [-1]
    with pytest.raises(TypeError, match="Expected an int or a list/tuple of ints for the "
                                        "argument 'axis'"):
        layers.LayerNormalization(axis={"axis": -1})
    with pytest.raises(ValueError, match="Axis 3 is out of bounds"):
        layers.LayerNormalization(axis=3).build((None, 4))


def test_mixed_float16_normalises_the_unrounded_inputs_in_float32():
    x = np.full((2, 4), 70000.0, "float32")
    x[:, 0] = 69000.0
    out = layers.LayerNormalization(dtype="mixed_float16")(x)
    assert out.dtype == "float16" and np.isfinite(out.numpy()).all()
    np.testing.assert_allclose(out.numpy()[0], [-1.732, 0.577, 0.577, 0.577], atol=5e-3)
