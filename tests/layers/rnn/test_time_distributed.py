"""``TimeDistributed``: a layer on every time step (one folded call), gradients, masks, config
and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow.layers import (
    Dense,
    TimeDistributed,
)

from ._reference import (
    B,
    F,
    T,
    U,
    check_layer_gradients,
    randomize,
)


def test_time_distributed_dense(device, rng):
    x = rng.normal(size=(B, T, F))
    with cuflow.device(device):
        layer = TimeDistributed(Dense(U, activation="tanh", dtype="float64"))
        out = layer(cuflow.Tensor(x))
        k, b = (w.numpy() for w in layer.weights)
    np.testing.assert_allclose(out.numpy(), np.tanh(x @ k + b), rtol=1e-10)
    assert layer.count_params() == F * U + U
    assert layer.compute_output_shape((None, T, F)) == (None, T, U)
    nested = TimeDistributed(Dense(U))
    assert nested(np.ones((B, T, 2, F), np.float32)).shape == (B, T, 2, U)
    sym = TimeDistributed(Dense(U))(cuflow.layers.Input(shape=(T, F)))
    assert sym.shape == (None, T, U)


def test_time_distributed_gradients_mask_and_config(device, rng):
    x = rng.normal(size=(2, 3, 2))
    with cuflow.device(device):
        layer = TimeDistributed(Dense(U, activation="sigmoid", dtype="float64"))
        layer.build((2, 3, 2))
        randomize(layer, rng)
        check_layer_gradients(layer, x, device)
        masked = layer(cuflow.Tensor(x), mask=cuflow.Tensor(np.array([[1, 0, 1], [1, 1, 1]],
                                                                     bool)))
    assert masked._keras_mask is not None  # passes the time mask on to an RNN downstream
    act = TimeDistributed(cuflow.layers.Activation("relu"))
    config = act.get_config()
    assert config["layer"]["class_name"] == "Activation"
    assert TimeDistributed.from_config(config).get_config() == config


def test_time_distributed_errors():
    with pytest.raises(ValueError, match=r"td_err.*rank >= 3.*\(2, 3\)"):
        TimeDistributed(Dense(U), name="td_err")(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="Layer"):
        TimeDistributed("dense")
