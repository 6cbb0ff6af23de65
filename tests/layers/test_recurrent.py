"""RNN layers and cells against an independent NumPy float64 recurrence (Keras 3 math)."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow import ops
from cuflow.testing import check_gradients, flat_outputs, weight_slots


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _step(kind, x_t, h, c, k, rk, b, units):
    u = units
    if kind == "simple":
        h = np.tanh(x_t @ k + (0 if b is None else b) + h @ rk)
        return h, c
    if kind == "lstm":
        z = x_t @ k + h @ rk + (0 if b is None else b)
        i, f, g, o = (z[:, j * u:(j + 1) * u] for j in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    if kind == "gru":  # reset_after=True, bias (2, 3u)
        xz = x_t @ k + (0 if b is None else b[0])
        inner = h @ rk + (0 if b is None else b[1])
        z = sigmoid(xz[:, :u] + inner[:, :u])
        r = sigmoid(xz[:, u:2 * u] + inner[:, u:2 * u])
        hh = np.tanh(xz[:, 2 * u:] + r * inner[:, 2 * u:])
        return z * h + (1 - z) * hh, c
    if kind == "gru_before":  # reset_after=False, bias (3u,)
        xz = x_t @ k + (0 if b is None else b)
        inner = h @ rk[:, :2 * u]
        z = sigmoid(xz[:, :u] + inner[:, :u])
        r = sigmoid(xz[:, u:2 * u] + inner[:, u:])
        hh = np.tanh(xz[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        return z * h + (1 - z) * hh, c
    raise ValueError(kind)


def reference(kind, x, weights, units, mask=None, go_backwards=False, zero_output=False,
              initial=None):
    """Returns (outputs in processing order (B, T, U), last output, final states list)."""
    x = np.asarray(x, np.float64)
    k, rk = weights[0], weights[1]
    b = weights[2] if len(weights) > 2 else None
    batch, steps = x.shape[:2]
    h = np.zeros((batch, units)) if initial is None else np.asarray(initial[0], np.float64)
    c = np.zeros((batch, units)) if initial is None or len(initial) < 2 else \
        np.asarray(initial[1], np.float64)
    prev = np.zeros((batch, units))
    outs = []
    for t in (reversed(range(steps)) if go_backwards else range(steps)):
        hn, cn = _step(kind, x[:, t], h, c, k, rk, b, units)
        out = hn
        if mask is not None:
            m = np.asarray(mask, bool)[:, t][:, None]
            hn, cn = np.where(m, hn, h), np.where(m, cn, c)
            out = np.where(m, out, 0.0 if zero_output else prev)
        prev = out
        outs.append(out)
        h, c = hn, cn
    states = [h, c] if kind == "lstm" else [h]
    return np.stack(outs, axis=1), outs[-1], states


def randomize(layer, rng, scale=0.6):
    """Random weights (so biases are non-zero) in the layer's dtype; returns them."""
    values = [rng.normal(0, scale, w.shape) for w in layer.weights]
    layer.set_weights(values)
    return [w.numpy().astype(np.float64) for w in layer.weights]


def check_layer_gradients(layer, x, device, **call_kwargs):
    """Central-difference check of the layer's output w.r.t. its input and every weight."""
    weights = layer.weights
    slots = weight_slots(layer)
    places = [slots[id(w)] for w in weights]

    def fn(x_t, *ws):
        for (owner, attr), w in zip(places, ws):
            object.__setattr__(owner, attr, w)  # route the call through the probe tensors
        try:
            return flat_outputs(layer(x_t, **call_kwargs))
        finally:
            for (owner, attr), var in zip(places, weights):
                object.__setattr__(owner, attr, var)

    arrays = [np.asarray(x, np.float64)] + [w.numpy().astype(np.float64) for w in weights]
    # guard against a vacuous pass: every probe weight must actually reach the output
    base = fn(*[cuflow.Tensor(a, device=device) for a in arrays]).numpy()
    for i in range(1, len(arrays)):
        moved = [a + 0.1 if j == i else a for j, a in enumerate(arrays)]
        assert not np.allclose(fn(*[cuflow.Tensor(a, device=device) for a in moved]).numpy(),
                               base), f"weight {weights[i - 1].name} does not reach the output"
    return check_gradients(fn, arrays, device=device)


# ---- the tests --------------------------------------------------------------------------------
import pytest  # noqa: E402

from cuflow.layers import (  # noqa: E402
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    Masking,
    SimpleRNN,
    SimpleRNNCell,
)

B, T, F, U = 2, 5, 4, 3
MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0]], bool)  # right- and left-padded samples
KINDS = {"simple": (SimpleRNN, {}), "lstm": (LSTM, {}), "gru": (GRU, {}),
         "gru_before": (GRU, {"reset_after": False})}


def make(kind, units=U, **kwargs):
    cls, extra = KINDS[kind]
    return cls(units, dtype="float64", **extra, **kwargs)


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


def test_lstm_unit_forget_bias_and_orthogonal_recurrent():
    layer = LSTM(4)
    layer.build((None, 2, 3))
    np.testing.assert_array_equal(layer.weights[2].numpy(), [0] * 4 + [1] * 4 + [0] * 8)
    rk = layer.weights[1].numpy()
    assert abs(float(np.abs(rk @ rk.T).sum()) - 4.0) < 1e-4  # (4, 16): orthonormal rows
    off = LSTM(4, unit_forget_bias=False)
    off.build((None, 2, 3))
    assert not off.weights[2].numpy().any()


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


def test_regularizer_losses():
    layer = LSTM(U, kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l2",
                 activity_regularizer="l2")
    layer(np.ones((B, T, F), np.float32))
    assert len(layer.losses) == 4


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
    with pytest.raises(NotImplementedError, match="stateful"):
        GRU(U, stateful=True)
    with pytest.raises(ValueError, match="units"):
        LSTM(0)
    with pytest.raises(ValueError, match="initial state"):
        LSTM(U)(np.ones((2, 3, 4), np.float32), initial_state=[np.zeros((2, U), np.float32)])
    with pytest.raises(ValueError, match="state_size"):
        RNN(object())
    LSTM(U, unroll=True, use_cudnn=False)  # accepted for compatibility, ignored
