"""``GRUCell`` and ``GRU``: Gated Recurrent Unit (Keras 3 weights and math)."""

from __future__ import annotations

from ... import activations, ops
from .base_cell import _Cell
from .rnn import _CellRNN


def gru_gates_reset_after(xw, h, h_rec, recurrent_kernel, recurrent_bias, units, activation,
                          recurrent_activation):
    """``reset_after=True`` (cuDNN layout): the reset gate scales ``h @ W_h + b_h``."""
    u = units
    inner = ops.dense(h_rec, recurrent_kernel, recurrent_bias)
    z = recurrent_activation(xw[:, :u] + inner[:, :u])
    r = recurrent_activation(xw[:, u:2 * u] + inner[:, u:2 * u])
    hh = activation(xw[:, 2 * u:] + r * inner[:, 2 * u:])
    return z * h + (1.0 - z) * hh


def gru_gates_reset_before(xw, h, h_rec, kernel_zr, kernel_h, units, activation,
                           recurrent_activation):
    """``reset_after=False``: the reset gate scales ``h`` before its product with ``W_h``."""
    u = units
    inner = ops.matmul(h_rec, kernel_zr)
    z = recurrent_activation(xw[:, :u] + inner[:, :u])
    r = recurrent_activation(xw[:, u:2 * u] + inner[:, u:])
    hh = activation(xw[:, 2 * u:] + ops.matmul(r * h_rec, kernel_h))
    return z * h + (1.0 - z) * hh


class GRUCell(_Cell):
    """Gates z, r, h side by side; ``reset_after=True`` (default) keeps two bias rows
    ``(2, 3 units)``: row 0 for the input projection, row 1 for the recurrent one."""

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def step_params(self):
        rk, u = self.cast_weight(self.recurrent_kernel), self.units
        if self.reset_after:
            return rk, (self.cast_weight(self.bias[1]) if self.bias is not None else None)
        return rk[:, :2 * u], rk[:, 2 * u:]

    def step(self, xw, states, params, rec_mask=None):
        h = states[0]
        h_rec = h if rec_mask is None else h * rec_mask
        gates = gru_gates_reset_after if self.reset_after else gru_gates_reset_before
        h = gates(xw, h, h_rec, params[0], params[1], self.units, self.activation,
                  self.recurrent_activation)
        return h, [h]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class GRU(_CellRNN):
    """Gated Recurrent Unit (Cho et al. 2014); gate order z, r, h; ``reset_after=True``."""

    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed)
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, use_cudnn, **kwargs)
