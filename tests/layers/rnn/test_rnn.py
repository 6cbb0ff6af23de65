"""``RNN`` (and the RNN layers that own a cell) against an independent NumPy float64 recurrence:
every kind, masks, go_backwards, return_sequences / return_state, custom cells, gradients,
Keras weight layouts, configs, symbolic shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import ops
from cuflow.layers import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    Masking,
    SimpleRNN,
    SimpleRNNCell,
)
from cuflow.layers.rnn.rnn import as_mask, flat_states, time_slices

from ._reference import (
    KINDS,
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


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("seq,back,masked", [(False, False, False), (True, True, False),
                                             (True, False, True), (False, True, True)])
def test_forward_matches_numpy(device, rng, kind, seq, back, masked):
    x = rng.normal(size=(B, T, F))
    with cuflow.device(device):
        layer = make(kind, return_sequences=seq, return_state=True, go_backwards=back)
        layer.build((B, T, F))
        w = randomize(layer, rng)
        mask = cuflow.Tensor(MASK) if masked else None
        out, *states = layer(cuflow.Tensor(x), mask=mask)
    seqs, last, ref_states = reference(kind, x, w, U, MASK if masked else None, back)
    np.testing.assert_allclose(out.numpy(), seqs if seq else last, rtol=1e-10, atol=1e-12)
    assert len(states) == len(ref_states)
    for got, want in zip(states, ref_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    assert out.device == cuflow.Tensor(0, device=device).device


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_float32_default_and_no_bias(device, rng, kind):
    x = rng.normal(size=(B, T, F)).astype(np.float32)
    cls, _ = KINDS[kind]
    with cuflow.device(device):
        layer = cls(U, use_bias=False)
        out = layer(x)
    w = [v.numpy().astype(np.float64) for v in layer.weights]
    assert len(w) == 2 and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), reference(kind, x, w, U)[1], rtol=1e-4, atol=1e-5)


def test_generic_rnn_with_custom_cell(device, rng):
    class MinimalCell(cuflow.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
            self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units))

        def call(self, inputs, states):
            out = ops.tanh(ops.matmul(inputs, self.kernel)
                           + ops.matmul(states[0], self.recurrent_kernel))
            return out, [out]

    x = rng.normal(size=(B, T, F))
    with cuflow.device(device):
        layer = RNN(MinimalCell(U, dtype="float64"), return_sequences=True, go_backwards=True,
                    dtype="float64")
        out = layer(cuflow.Tensor(x), mask=cuflow.Tensor(MASK))
        fast = RNN(SimpleRNNCell(U, use_bias=False, dtype="float64"), return_sequences=True,
                   go_backwards=True, dtype="float64")
        fast.build((B, T, F))
        fast.set_weights(layer.get_weights())
        fast_out = fast(cuflow.Tensor(x), mask=cuflow.Tensor(MASK))
    w = [v.numpy() for v in layer.weights]
    want = reference("simple", x, w, U, MASK, go_backwards=True)[0]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(fast_out.numpy(), want, rtol=1e-10)


def test_mask_from_masking_and_embedding(device, rng):
    x = rng.normal(size=(B, T, F))
    x[~MASK] = 0.0
    with cuflow.device(device):
        masking = Masking(0.0, dtype="float64")
        layer = make("gru", return_sequences=True)
        hidden = masking(cuflow.Tensor(x))
        out = layer(hidden)
        emb = cuflow.layers.Embedding(10, F, mask_zero=True)
        lstm = LSTM(U, return_sequences=True)
        ids = np.where(MASK, 3, 0)
        seq = lstm(emb(ids))
    np.testing.assert_array_equal(hidden._keras_mask.numpy(), MASK)
    np.testing.assert_array_equal(out._keras_mask.numpy(), MASK)  # return_sequences passes it
    w = [v.numpy() for v in layer.weights]
    np.testing.assert_allclose(out.numpy(), reference("gru", x, w, U, MASK)[0], rtol=1e-10)
    np.testing.assert_array_equal(seq._keras_mask.numpy(), MASK)
    # masked steps repeat the previous output: sample 0 steps 3, 4 equal step 2; sample 1 step 0
    # (nothing before it) is zero
    s = seq.numpy()
    np.testing.assert_array_equal(s[0, 3], s[0, 2])
    assert not s[1, 0].any()


@pytest.mark.parametrize("kind", list(KINDS))
def test_gradients(device, rng, kind):
    x = rng.normal(size=(2, 3, 2))
    with cuflow.device(device):
        layer = make(kind, return_sequences=True, return_state=True)
        layer.build((2, 3, 2))
        randomize(layer, rng)
        check_layer_gradients(layer, x, device)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gradients_masked_backwards(device, rng, kind):
    x = rng.normal(size=(2, 3, 2))
    mask = np.array([[1, 1, 0], [0, 1, 1]], bool)
    with cuflow.device(device):
        layer = make(kind, go_backwards=True, return_state=True)
        layer.build((2, 3, 2))
        randomize(layer, rng)
        check_layer_gradients(layer, x, device, mask=cuflow.Tensor(mask))


@pytest.mark.parametrize("kind,units,dim,count", [
    ("simple", 7, 5, 7 * (5 + 7) + 7), ("lstm", 7, 5, 4 * (7 * (5 + 7) + 7)),
    ("gru", 7, 5, 3 * (7 * (5 + 7) + 2 * 7)), ("gru_before", 7, 5, 3 * (7 * (5 + 7) + 7))])
def test_parameter_counts_and_weight_layout(kind, units, dim, count):
    layer = make(kind, units=units)
    layer.build((None, 4, dim))
    assert layer.count_params() == count
    gates = {"simple": 1, "lstm": 4, "gru": 3, "gru_before": 3}[kind]
    shapes = [w.shape for w in layer.weights]
    bias = (2, gates * units) if kind == "gru" else (gates * units,)
    assert shapes == [(dim, gates * units), (units, gates * units), bias]
    cell = layer.cell.name
    assert [w.name for w in layer.weights] == [f"{layer.name}/{cell}/{n}" for n in
                                               ("kernel", "recurrent_kernel", "bias")]


@pytest.mark.parametrize("kind", list(KINDS))
def test_config_round_trip(kind):
    layer = make(kind, return_sequences=True, go_backwards=True, dropout=0.25,
                 kernel_regularizer="l2", recurrent_constraint="non_neg")
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert clone.units == U and clone.dropout == 0.25 and clone.go_backwards
    assert "cell" not in config
    generic = RNN(LSTMCell(U, recurrent_dropout=0.1), return_state=True)
    config = generic.get_config()
    assert config["cell"]["class_name"] == "LSTMCell"
    assert RNN.from_config(config).get_config() == config
    cell = GRUCell(U, reset_after=False)
    assert GRUCell.from_config(cell.get_config()).get_config() == cell.get_config()


def test_output_shapes_symbolic():
    inp = cuflow.layers.Input(shape=(T, F))
    out = LSTM(U, return_sequences=True)(inp)
    assert out.shape == (None, T, U)
    out, h, c = LSTM(U, return_state=True)(inp)
    assert out.shape == h.shape == c.shape == (None, U)
    assert GRU(U).compute_output_shape((None, None, F)) == (None, U)


def test_errors():
    with pytest.raises(ValueError, match=r'"lstm_err".*\(2, 3\)'):
        LSTM(U, name="lstm_err")(np.ones((2, 3), np.float32))
    layer = SimpleRNN(U, name="rnn_err")
    layer(np.ones((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"rnn_err.*last dimension 4.*\(2, 3, 5\)"):
        layer(np.ones((2, 3, 5), np.float32))
    with pytest.raises(ValueError, match="units"):
        LSTM(0)
    with pytest.raises(ValueError, match="initial state"):
        LSTM(U)(np.ones((2, 3, 4), np.float32), initial_state=[np.zeros((2, U), np.float32)])
    with pytest.raises(ValueError, match="state_size"):
        RNN(object())
    LSTM(U, unroll=True, use_cudnn=False)  # accepted for compatibility, ignored


def test_time_slices_flat_states_and_masks():
    x = cuflow.Tensor(np.arange(2 * 5 * 3, dtype=np.float64).reshape(2, 5, 3))
    steps = time_slices(x)
    assert len(steps) == 5
    for t, s in enumerate(steps):
        np.testing.assert_array_equal(s.numpy(), x.numpy()[:, t])
    assert flat_states([[1, 2], 3, [[4]]]) == [1, 2, 3, 4]
    assert as_mask(None) is None
    assert as_mask(np.array([[1, 0]])).dtype == np.bool_


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_stateful_carries_the_final_states_into_the_next_call(cls):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(B, 2 * T, F)).astype("float32")
    stateful = cls(U, stateful=True, return_sequences=True)
    first = stateful(x[:, :T]).numpy()
    second = stateful(x[:, T:]).numpy()
    plain = cls(U, return_sequences=True)
    plain(x[:, :T])
    plain.set_weights(stateful.get_weights())
    whole = plain(x).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, rtol=1e-5, atol=1e-6)
    assert len(stateful.weights) == len(plain.weights)  # the carried states are not weights
    stateful.reset_state()
    np.testing.assert_allclose(stateful(x[:, :T]).numpy(), first, rtol=1e-6)
    stateful.reset_states()  # the Keras 2 name
    with pytest.raises(ValueError, match="Expected batch size: 2"):
        stateful(x[:1, :T])


def test_stateful_needs_a_static_batch_size():
    with pytest.raises(ValueError, match="batch size must be static"):
        LSTM(U, stateful=True)(cuflow.layers.Input((T, F)))
    out = LSTM(U, stateful=True)(cuflow.layers.Input((T, F), batch_size=B))
    assert out.shape == (B, U)


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_mixed_float16_outputs_and_states_in_float16(cls):
    layer = cls(U, return_state=True, dtype="mixed_float16", dropout=0.5)
    out = layer(np.random.default_rng(1).normal(size=(B, T, F)), training=True)
    assert all(t.dtype == "float16" for t in out)
    assert all(w.dtype == "float32" for w in layer.weights)
