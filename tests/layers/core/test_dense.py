"""``Dense``: values against NumPy, gradients, the fused activation, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.layers.core.dense import fusable_activation

from .._helpers import R, check_layer_gradients, round_trip

CASES = [
    ("dense_relu", lambda: layers.Dense(3, activation="relu"), [(4, 5)]),
    ("dense_softmax", lambda: layers.Dense(3, activation="softmax"), [(4, 5)]),
    ("dense_3d", lambda: layers.Dense(2, activation="tanh"), [(2, 3, 4)]),
    ("dense_nobias", lambda: layers.Dense(2, use_bias=False), [(3, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_dense_forward_matches_numpy(device):
    with cf.device(device):
        layer = layers.Dense(4, activation="relu")
        x = R.normal(size=(3, 5)).astype("float32")
        y = layer(x)
    want = np.maximum(x @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-6)
    assert y.device == device


def test_dense_over_the_last_axis_and_a_custom_activation():
    layer = layers.Dense(2, activation=lambda t: t * 3.0, kernel_initializer="ones",
                         bias_initializer="ones")
    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    y = layer(x)
    assert layer._fused is None and y.shape == (2, 3, 2)
    np.testing.assert_allclose(y.numpy(), 3.0 * (x.sum(-1, keepdims=True) + 1).repeat(2, -1))
    assert layer.compute_output_shape((None, 3, 2)) == (None, 3, 2)


def test_fusable_activation_names_builtins_only():
    assert fusable_activation(cf.activations.get("relu")) == "relu"
    assert fusable_activation(cf.activations.get("tanh")) == "tanh"
    assert fusable_activation(lambda t: t) is None
    assert layers.Dense(2, activation="sigmoid")._fused == "sigmoid"


@pytest.mark.parametrize("bad,match", [
    (lambda: layers.Dense(0), "expected a positive integer. Received: units=0"),
    (lambda: layers.Dense(-3), "units=-3"), (lambda: layers.Dense("8"), "units=8"),
    (lambda: layers.Dense(2, lora_rank=0), "lora_rank=0"),
])
def test_bad_constructor_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_input_errors_name_the_layer():
    layer = layers.Dense(2, name="dd")
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r'"dd" \(Dense\) is incompatible with the layer: '
                                         r"expected last dimension 3, received input with shape "
                                         r"\(1, 4\)"):
        layer(np.ones((1, 4), "float32"))
    with pytest.raises(ValueError, match="needs a known last input dimension"):
        layers.Dense(2).build((None, None))
