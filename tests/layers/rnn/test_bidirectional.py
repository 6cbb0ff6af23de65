"""``Bidirectional``: every merge mode against the NumPy recurrence both ways, weights, names,
masks, custom backward layers, initial states, gradients, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow.layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    SimpleRNN,
)

from ._reference import (
    MASK,
    B,
    F,
    T,
    U,
    check_layer_gradients,
    make,
    randomize,
    reference,
)

MERGES = {"concat": lambda a, b: np.concatenate([a, b], -1), "sum": np.add,
          "mul": np.multiply, "ave": lambda a, b: (a + b) / 2}


def _bidi_reference(kind, x, weights, mask, seq):
    n = len(weights) // 2
    fwd = reference(kind, x, weights[:n], U, mask, zero_output=seq)
    bwd = reference(kind, x, weights[n:], U, mask, go_backwards=True, zero_output=seq)
    if seq:
        return fwd[0], bwd[0][:, ::-1], fwd[2] + bwd[2]
    return fwd[1], bwd[1], fwd[2] + bwd[2]


@pytest.mark.parametrize("merge", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("kind,seq,masked", [("lstm", True, True), ("gru", False, True),
                                             ("simple", True, False)])
def test_bidirectional_matches_numpy(device, rng, merge, kind, seq, masked):
    x = rng.normal(size=(B, T, F))
    with cuflow.device(device):
        layer = Bidirectional(make(kind, return_sequences=seq, return_state=True),
                              merge_mode=merge)
        layer.build((B, T, F))
        w = randomize(layer, rng)
        out = layer(cuflow.Tensor(x), mask=cuflow.Tensor(MASK) if masked else None)
    f, b, states = _bidi_reference(kind, x, w, MASK if masked else None, seq)
    n_out = 2 if merge is None else 1
    outs, got_states = out[:n_out], out[n_out:]
    want = [f, b] if merge is None else [MERGES[merge](f, b)]
    for got, ref in zip(outs, want):
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10, atol=1e-12)
    assert len(got_states) == len(states)
    for got, ref in zip(got_states, states):
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10, atol=1e-12)


def test_bidirectional_weights_names_counts_and_mask(rng):
    inner = LSTM(U, return_sequences=True, name="enc")
    layer = Bidirectional(inner)
    out = layer(rng.normal(size=(B, T, F)).astype(np.float32), mask=MASK)
    assert out.shape == (B, T, 2 * U)
    np.testing.assert_array_equal(out._keras_mask.numpy(), MASK)
    assert not out.numpy()[~MASK].any()  # masked steps are zeros in both directions
    assert layer.forward_layer.name == "forward_enc"
    assert layer.backward_layer.name == "backward_enc" and layer.backward_layer.go_backwards
    assert [w.name.split("/")[0] for w in layer.weights] == ["forward_enc"] * 3 + \
        ["backward_enc"] * 3
    assert layer.count_params() == 2 * 4 * (U * (F + U) + U)
    assert not inner.built  # the wrapped layer is recreated, never shared
    assert Bidirectional(GRU(U)).compute_output_shape((None, T, F)) == (None, 2 * U)
    shapes = Bidirectional(SimpleRNN(U, return_state=True), merge_mode=None) \
        .compute_output_shape((None, T, F))
    assert shapes == [(None, U)] * 4
    sym = Bidirectional(LSTM(U, return_sequences=True))(cuflow.layers.Input(shape=(T, F)))
    assert sym.shape == (None, T, 2 * U)


def test_bidirectional_custom_backward_layer_and_initial_state(rng):
    x = rng.normal(size=(B, T, F))
    fwd = SimpleRNN(U, dtype="float64")
    bwd = SimpleRNN(U, activation="relu", go_backwards=True, dtype="float64", name="back")
    layer = Bidirectional(fwd, backward_layer=bwd, merge_mode="sum")
    assert layer.backward_layer is bwd
    h = [rng.normal(size=(B, U)), rng.normal(size=(B, U))]
    out = layer(cuflow.Tensor(x), initial_state=[cuflow.Tensor(s) for s in h])
    w = [v.numpy() for v in layer.weights]
    want_f = reference("simple", x, w[:3], U, initial=[h[0]])[1]
    b_out = np.zeros((B, U))
    hb = h[1]
    for t in reversed(range(T)):
        hb = np.maximum(x[:, t] @ w[3] + w[5] + hb @ w[4], 0)
    b_out = hb
    np.testing.assert_allclose(out.numpy(), want_f + b_out, rtol=1e-10)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_bidirectional_gradients(device, rng, kind):
    x = rng.normal(size=(2, 3, 2))
    with cuflow.device(device):
        layer = Bidirectional(make(kind, return_sequences=True))
        layer.build((2, 3, 2))
        randomize(layer, rng)
        check_layer_gradients(layer, x, device,
                              mask=cuflow.Tensor(np.array([[1, 1, 0], [1, 1, 1]], bool)))


def test_bidirectional_config_round_trip():
    layer = Bidirectional(LSTM(U, return_sequences=True, dropout=0.1), merge_mode="ave")
    config = layer.get_config()
    clone = Bidirectional.from_config(config)
    assert clone.get_config() == config
    assert clone.forward_layer.name == "forward_" + config["layer"]["config"]["name"][8:]


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(U), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(LSTM(U), backward_layer=LSTM(U))
    with pytest.raises(ValueError, match="return_sequences"):
        Bidirectional(LSTM(U), backward_layer=LSTM(U, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="recurrent"):
        Bidirectional(Dense(U))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        Bidirectional(LSTM(U))(np.ones((2, 3), np.float32))
