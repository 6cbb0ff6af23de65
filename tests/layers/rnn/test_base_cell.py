"""The cells' shared base: one Keras step from raw inputs and states, zero initial states,
dropout arguments (clamped as Keras does), weights and config."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow.layers import (
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
)
from cuflow.layers.rnn.base_cell import filled, rate

from ._reference import (
    B,
    F,
    T,
    U,
    make,
    randomize,
    reference,
)


def test_initial_state_and_standalone_cells(device, rng):
    x = rng.normal(size=(B, T, F))
    h0, c0 = rng.normal(size=(B, U)), rng.normal(size=(B, U))
    with cuflow.device(device):
        layer = make("lstm", return_state=True)
        layer.build((B, T, F))
        w = randomize(layer, rng)
        out, h, c = layer(cuflow.Tensor(x), initial_state=[cuflow.Tensor(h0), cuflow.Tensor(c0)])
    _, last, (rh, rc) = reference("lstm", x, w, U, initial=[h0, c0])
    np.testing.assert_allclose(out.numpy(), last, rtol=1e-10)
    np.testing.assert_allclose(c.numpy(), rc, rtol=1e-10)
    for cls, kind, states in ((SimpleRNNCell, "simple", [h0]), (LSTMCell, "lstm", [h0, c0]),
                              (GRUCell, "gru", [h0])):
        with cuflow.device(device):
            cell = cls(U, dtype="float64")
            cell.build((B, F))
            w = randomize(cell, rng)
            y, new = cell(cuflow.Tensor(x[:, 0]), [cuflow.Tensor(s) for s in states])
            zeros = cell.get_initial_state(batch_size=B)
        _, ref_last, ref_states = reference(kind, x[:, :1], w, U, initial=states)
        np.testing.assert_allclose(y.numpy(), ref_last, rtol=1e-10)
        assert len(new) == len(ref_states) == len(zeros)
        assert all(z.shape == (B, U) and not z.numpy().any() for z in zeros)


def test_rate_clamps_and_filled_makes_constants():
    assert rate("C", "dropout", 1.5) == 1.0 and rate("C", "dropout", -0.5) == 0.0
    with pytest.raises(ValueError, match=r"C: dropout must be a number in \[0, 1\]; "
                                         r"received 'x'"):
        rate("C", "dropout", "x")
    like = cuflow.Tensor(np.zeros(1, np.float64))
    block = filled(like, 2, 3, 1.5)
    assert block.dtype == np.float64 and block.numpy().tolist() == [[1.5] * 3] * 2


def test_cell_build_errors_and_config():
    cell = LSTMCell(3, dropout=0.2, implementation=2)  # Keras's implementation switch is ignored
    with pytest.raises(ValueError, match="needs a known last input dimension"):
        cell.build((None, None))
    cell.build((None, 4))
    with pytest.raises(ValueError, match=r"expected inputs with last dimension 4; received "
                                         r"shape \(2, 5\)"):
        cell.project_inputs(cuflow.Tensor(np.zeros((2, 5), np.float32)))
    config = cell.get_config()
    assert config["dropout"] == 0.2 and LSTMCell.from_config(config).get_config() == config
