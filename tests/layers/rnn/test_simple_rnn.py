"""``SimpleRNNCell`` / ``SimpleRNN``: the step formula, dropout masks shared over time and used
only in training."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow.layers import (
    SimpleRNN,
    SimpleRNNCell,
)

from ._reference import (
    B,
    F,
    T,
    randomize,
)


def test_simple_rnn_cell_step_formula(device, rng):
    x, h = rng.normal(size=(2, 4)), rng.normal(size=(2, 3))
    with cuflow.device(device):
        cell = SimpleRNNCell(3, activation="tanh", dtype="float64")
        cell.build((2, 4))
        k, rk, b = randomize(cell, rng)
        out, new = cell(cuflow.Tensor(x), cuflow.Tensor(h))
    want = np.tanh(x @ k + b + h @ rk)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(new.numpy(), want, rtol=1e-12)


def test_dropout_mask_shared_over_time_and_training_only(device, rng):
    x = np.ones((B, T, F))
    with cuflow.device(device):
        layer = SimpleRNN(F, activation=None, dropout=0.5, recurrent_dropout=0.3,
                          return_sequences=True, dtype="float64")
        layer.build((B, T, F))
        layer.set_weights([np.eye(F), np.zeros((F, F)), np.zeros(F)])
        train = layer(cuflow.Tensor(x), training=True).numpy()
        infer = layer(cuflow.Tensor(x)).numpy()
    np.testing.assert_array_equal(infer, 1.0)
    assert set(np.unique(train)) <= {0.0, 2.0}
    np.testing.assert_array_equal(train, np.repeat(train[:, :1], T, axis=1))  # one mask per seq
