"""``LSTMCell`` and ``LSTM``: Long Short-Term Memory (Keras 3 weights and math)."""

from __future__ import annotations

from ... import activations, initializers, ops
from .base_cell import _Cell
from .rnn import _CellRNN


def lstm_gates(xw, h, c, recurrent_kernel, units, activation, recurrent_activation):
    z = xw + ops.matmul(h, recurrent_kernel)
    u = units
    i = recurrent_activation(z[:, :u])
    f = recurrent_activation(z[:, u:2 * u])
    g = activation(z[:, 2 * u:3 * u])
    o = recurrent_activation(z[:, 3 * u:])
    c = f * c + i * g
    return o * activation(c), c


class LSTMCell(_Cell):
    """Gates i, f, c, o side by side in ``kernel`` (input_dim, 4 units); states ``[h, c]``."""

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def forget_bias_one(shape, dtype=None):
            # Jozefowicz et al.: start the forget gate open (bias 1), the rest as configured
            return ops.concatenate([base((u,), dtype=dtype),
                                    initializers.get("ones")((u,), dtype=dtype),
                                    base((2 * u,), dtype=dtype)])

        return forget_bias_one

    def step(self, xw, states, params, rec_mask=None):
        h, c = states
        h_rec = h if rec_mask is None else h * rec_mask
        h, c = lstm_gates(xw, h_rec, c, params[0], self.units, self.activation,
                          self.recurrent_activation)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class LSTM(_CellRNN):
    """Long Short-Term Memory (Hochreiter 1997); gate order i, f, c, o."""

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed)
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, use_cudnn, **kwargs)
