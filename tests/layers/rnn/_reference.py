"""An independent NumPy float64 recurrence (Keras 3 math) for SimpleRNN, LSTM and GRU (both
reset_after layouts), the layer factory and the gradient check the recurrent tests share."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow.layers import GRU, LSTM, SimpleRNN
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


B, T, F, U = 2, 5, 4, 3
MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0]], bool)  # right- and left-padded samples


KINDS = {"simple": (SimpleRNN, {}), "lstm": (LSTM, {}), "gru": (GRU, {}),
         "gru_before": (GRU, {"reset_after": False})}


def make(kind, units=U, **kwargs):
    cls, extra = KINDS[kind]
    return cls(units, dtype="float64", **extra, **kwargs)
