"""``LSTMCell`` / ``LSTM``: the gate formula (i, f, c, o), unit_forget_bias, the orthogonal
recurrent kernel, regularizer losses."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow.layers import (
    LSTM,
    LSTMCell,
)

from ._reference import (
    B,
    F,
    T,
    U,
    randomize,
    sigmoid,
)


def test_lstm_cell_gates(device, rng):
    x, h, c = rng.normal(size=(2, 4)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    with cuflow.device(device):
        cell = LSTMCell(3, dtype="float64")
        cell.build((2, 4))
        k, rk, b = randomize(cell, rng)
        out, (h1, c1) = cell(cuflow.Tensor(x), [cuflow.Tensor(h), cuflow.Tensor(c)])
    z = x @ k + h @ rk + b
    i, f, g, o = (z[:, j * 3:(j + 1) * 3] for j in range(4))
    want_c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    np.testing.assert_allclose(c1.numpy(), want_c, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), sigmoid(o) * np.tanh(want_c), rtol=1e-12)
    np.testing.assert_allclose(h1.numpy(), out.numpy())


def test_lstm_unit_forget_bias_and_orthogonal_recurrent():
    layer = LSTM(4)
    layer.build((None, 2, 3))
    np.testing.assert_array_equal(layer.weights[2].numpy(), [0] * 4 + [1] * 4 + [0] * 8)
    rk = layer.weights[1].numpy()
    assert abs(float(np.abs(rk @ rk.T).sum()) - 4.0) < 1e-4  # (4, 16): orthonormal rows
    off = LSTM(4, unit_forget_bias=False)
    off.build((None, 2, 3))
    assert not off.weights[2].numpy().any()


def test_regularizer_losses():
    layer = LSTM(U, kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l2",
                 activity_regularizer="l2")
    layer(np.ones((B, T, F), np.float32))
    assert len(layer.losses) == 4


def test_legacy_implementation_argument_is_accepted_and_kept_off_the_config():
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype("float32")
    ref = LSTM(3, kernel_initializer="ones", recurrent_initializer="ones")
    config = ref.get_config()
    assert "implementation" not in config
    for impl in (0, 1, 2):
        layer = LSTM.from_config({**config, "implementation": impl})
        assert layer.cell.implementation == impl
        np.testing.assert_allclose(layer(x).numpy(), ref(x).numpy(), rtol=1e-6)
    assert LSTM(3, recurrent_dropout=0.5, implementation=2).cell.implementation == 1
