"""``StackedRNNCells``: several cells in one time loop, equal to chaining them by hand; flat or
grouped states, Keras parameter counts, config, save / load and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from .._helpers import f32, round_trip, save_load


# ---- StackedRNNCells --------------------------------------------------------------------------
def test_stacked_cells_match_manual_chaining():
    cells = [L.LSTMCell(3), L.GRUCell(2), L.SimpleRNNCell(4)]
    rnn = L.RNN(cells, return_sequences=True, return_state=True)
    assert isinstance(rnn.cell, L.StackedRNNCells)
    assert rnn.cell.state_size == [[3, 3], 2, 4] and rnn.cell.output_size == 4
    x = f32(2, 5, 6)
    seq, *states = rnn(x)
    assert seq.shape == (2, 5, 4) and [s.shape for s in states] == [(2, 3), (2, 3), (2, 2),
                                                                   (2, 4)]
    st = [[np.zeros((2, 3), "float32")] * 2, [np.zeros((2, 2), "float32")],
          [np.zeros((2, 4), "float32")]]
    outs = []
    for t in range(5):
        h = x[:, t]
        for k, cell in enumerate(cells):
            h, new = cell(cf.Tensor(np.ascontiguousarray(h)), [cf.Tensor(s) for s in st[k]])
            st[k] = [s.numpy() for s in (new if isinstance(new, list) else [new])]
            h = h.numpy()
        outs.append(h)
    np.testing.assert_allclose(seq.numpy(), np.stack(outs, 1), rtol=1e-5, atol=1e-6)
    for got, want in zip(states, [s for group in st for s in group]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    # Keras counts: LSTM 4u(in+u+1), GRU (reset_after) 3u(in+u+2), SimpleRNN u(in+u+1)
    assert rnn.count_params() == 4 * 3 * (6 + 3 + 1) + 3 * 2 * (3 + 2 + 2) + 4 * (2 + 4 + 1)


def test_stacked_cells_accept_flat_or_grouped_states():
    stacked = L.StackedRNNCells([L.LSTMCell(2), L.SimpleRNNCell(3)])
    x, h, c, h2 = f32(2, 4), f32(2, 2), f32(2, 2), f32(2, 3)
    out_a, st_a = stacked(x, [h, c, h2])
    out_b, st_b = stacked(x, [[h, c], [h2]])
    np.testing.assert_allclose(out_a.numpy(), out_b.numpy())
    assert [len(g) for g in st_a] == [2, 1]
    with pytest.raises(ValueError, match=r"expects 3 state tensors \(\[2, 1\] per cell\); "
                                         r"received 2"):
        stacked(x, [h, c])


def test_stacked_cells_config_and_save(tmp_path):
    stacked = L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)], name="stack")
    clone = round_trip(stacked)
    assert [type(c).__name__ for c in clone.cells] == ["LSTMCell", "GRUCell"]
    model = cf.models.Sequential([L.Input((4, 3)), L.RNN([L.LSTMCell(3), L.GRUCell(2)]),
                                  L.Dense(1)])
    save_load(model, f32(2, 4, 3), tmp_path)


def test_stacked_cells_errors():
    with pytest.raises(ValueError, match="non-empty list of RNN cells; received 3"):
        L.StackedRNNCells(3)
    with pytest.raises(ValueError, match="All cells must have a `call` method"):
        L.StackedRNNCells([L.LSTMCell(2), object()])
