"""``_Cell``: what ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell`` share (Keras 3 weights).

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

from ... import activations, constraints, initializers, ops, regularizers
from ...tensor import Tensor
from .._checks import positive_int
from ..layer import Layer
from ..serialization import serialize


def rate(owner, name, value):
    if not isinstance(value, (int, float, np.floating)) or isinstance(value, bool):
        raise ValueError(f"{owner}: {name} must be a number in [0, 1]; received {value!r}")
    return min(1.0, max(0.0, float(value)))  # Keras clamps rather than rejects


def filled(like, rows, cols, value):
    """A constant ``(rows, cols)`` tensor with ``like``'s dtype and device, built through ops."""
    scalar = Tensor(value, dtype=like.dtype, device=like.device)
    return ops.tile(ops.reshape(scalar, (1, 1)), (rows, cols))


class _Cell(Layer):
    """What the three cells share: arguments, weights, dropout, the Keras one-step ``call``."""

    _gates = 1  # kernel width is _gates * units

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        # Keras's legacy kernel-variant switch (1: per-gate products, 2: fused); one variant here
        # computes the same values, the argument is kept as Keras keeps it
        implementation = kwargs.pop("implementation", 2)
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
        self.implementation = 1 if self.recurrent_dropout else implementation
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
        return ops.dense(inputs, self.cast_weight(self.kernel),
                         self.cast_weight(self._input_bias()))

    def recurrent_mask(self, h, training=None):
        """The recurrent dropout mask (scaled keep mask, fixed over the sequence) or None."""
        if not (training and 0.0 < self.recurrent_dropout < 1.0):
            return None
        ones = filled(h, h.shape[0], self.units, 1.0)
        return ops.dropout(ones, self.recurrent_dropout, training=True)

    def step_params(self):
        return (self.cast_weight(self.recurrent_kernel),)

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
