"""``SimpleRNNCell`` and ``SimpleRNN``: a fully-connected RNN (Keras 3 weights and math)."""

from __future__ import annotations

from ... import ops
from .base_cell import _Cell
from .rnn import _CellRNN


# ---- gate arithmetic (one time step; the part a fused kernel replaces) -------------------------
def simple_rnn_gates(xw, h, recurrent_kernel, activation):
    return activation(xw + ops.matmul(h, recurrent_kernel))


class SimpleRNNCell(_Cell):
    """``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``."""

    def step(self, xw, states, params, rec_mask=None):
        h = states[0]
        h_rec = h if rec_mask is None else h * rec_mask
        out = simple_rnn_gates(xw, h_rec, params[0], self.activation)
        return out, [out]


class SimpleRNN(_CellRNN):
    """Fully-connected RNN whose output is fed back as the next input's state."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed)
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, **kwargs)
