"""Recurrent cells: ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell`` (Keras 3 weights and math).

A cell splits one time step in two so the ``RNN`` layer can run a sequence fast:

- ``project_inputs(x)``: input dropout + ``x @ kernel + input_bias`` for *every* step at once
  (one GEMM over ``(batch * time, input_dim)``);
- ``step(xw_t, states, params, rec_mask)``: per step one recurrent GEMM plus the gate arithmetic.
  ``params`` (recurrent kernel slices, recurrent bias) are prepared once per sequence by
  ``step_params()`` so no slicing happens inside the loop.

The gate arithmetic lives in module-level ``*_gates`` functions so a fused GPU kernel can replace
them later without touching the loop. ``call(inputs, states)`` keeps the Keras cell contract
(one step from raw inputs) for standalone use and for custom ``RNN`` loops.
"""

from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..tensor import Tensor
from .base import Layer


def positive_int(owner, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer; received {value!r}")
    return int(value)


def rate(owner, name, value):
    if not isinstance(value, (int, float, np.floating)) or isinstance(value, bool):
        raise ValueError(f"{owner}: {name} must be a number in [0, 1]; received {value!r}")
    return min(1.0, max(0.0, float(value)))  # Keras clamps rather than rejects


def serialize(module, obj):
    """``module.serialize(obj)`` with None kept as None (not every module accepts None)."""
    return None if obj is None else module.serialize(obj)


def filled(like, rows, cols, value):
    """A constant ``(rows, cols)`` tensor with ``like``'s dtype and device, built through ops."""
    scalar = Tensor(value, dtype=like.dtype, device=like.device)
    return ops.tile(ops.reshape(scalar, (1, 1)), (rows, cols))


# ---- gate arithmetic (one time step; the part a fused kernel replaces) -------------------------
def simple_rnn_gates(xw, h, recurrent_kernel, activation):
    return activation(xw + ops.matmul(h, recurrent_kernel))


def lstm_gates(xw, h, c, recurrent_kernel, units, activation, recurrent_activation):
    z = xw + ops.matmul(h, recurrent_kernel)
    u = units
    i = recurrent_activation(z[:, :u])
    f = recurrent_activation(z[:, u:2 * u])
    g = activation(z[:, 2 * u:3 * u])
    o = recurrent_activation(z[:, 3 * u:])
    c = f * c + i * g
    return o * activation(c), c


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


class _Cell(Layer):
    """What the three cells share: arguments, weights, dropout, the Keras one-step ``call``."""

    _gates = 1  # kernel width is _gates * units

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras's kernel-variant switch; one variant here
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = positive_int(owner, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = rate(owner, "dropout", dropout)
        self.recurrent_dropout = rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.state_size = self.units
        self.output_size = self.units

    # ---- weights ---------------------------------------------------------------------------
    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = input_shape[-1] if len(input_shape) else None
        if input_dim is None:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) needs a known last '
                             f"input dimension; received input shape {tuple(input_shape)}")
        width = self._gates * self.units
        self.kernel = self.add_weight("kernel", (input_dim, width), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = self.add_weight("bias", self._bias_shape(), self._bias_initializer(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_dim = int(input_dim)
        self.built = True  # as Keras: a direct build() call counts, so __call__ won't rebuild

    # ---- the two-phase step ------------------------------------------------------------------
    def _input_bias(self):
        return self.bias

    def project_inputs(self, inputs, training=None):
        """``dropout(inputs) @ kernel + input_bias`` for a step (2-D) or a whole sequence (3-D).

        The input dropout mask is drawn once per call and shared by every time step (Keras).
        """
        if inputs.shape[-1] != self.input_dim:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) expected inputs with '
                             f"last dimension {self.input_dim}; received shape {inputs.shape}")
        if training and 0.0 < self.dropout < 1.0:
            noise = (None, 1, None) if inputs.ndim == 3 else None
            inputs = ops.dropout(inputs, self.dropout, training=True, noise_shape=noise)
        return ops.dense(inputs, self.kernel, self._input_bias())

    def recurrent_mask(self, h, training=None):
        """The recurrent dropout mask (scaled keep mask, fixed over the sequence) or None."""
        if not (training and 0.0 < self.recurrent_dropout < 1.0):
            return None
        ones = filled(h, h.shape[0], self.units, 1.0)
        return ops.dropout(ones, self.recurrent_dropout, training=True)

    def step_params(self):
        return (self.recurrent_kernel,)

    def step(self, xw, states, params, rec_mask=None):
        raise NotImplementedError

    def get_initial_state(self, batch_size=None, like=None):
        """Zero states; ``like`` (a tensor) fixes device and dtype, else the layer dtype."""
        like = like if like is not None else Tensor(0, dtype=self.dtype)
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) \
            else [self.state_size]
        return [filled(like, batch_size, s, 0.0) for s in sizes]

    def call(self, inputs, states, training=False):
        """One step from raw inputs (batch, input_dim): returns ``(output, new_states)``."""
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        xw = self.project_inputs(inputs, training)
        out, new = self.step(xw, states, self.step_params(),
                             self.recurrent_mask(states[0], training))
        return out, (new[0] if single else new)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
                "recurrent_regularizer": serialize(regularizers, self.recurrent_regularizer),
                "bias_regularizer": serialize(regularizers, self.bias_regularizer),
                "kernel_constraint": serialize(constraints, self.kernel_constraint),
                "recurrent_constraint": serialize(constraints, self.recurrent_constraint),
                "bias_constraint": serialize(constraints, self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_Cell):
    """``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``."""

    def step(self, xw, states, params, rec_mask=None):
        h = states[0]
        h_rec = h if rec_mask is None else h * rec_mask
        out = simple_rnn_gates(xw, h_rec, params[0], self.activation)
        return out, [out]


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
        rk, u = self.recurrent_kernel, self.units
        if self.reset_after:
            return rk, (self.bias[1] if self.bias is not None else None)
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


CELLS = (SimpleRNNCell, LSTMCell, GRUCell)
