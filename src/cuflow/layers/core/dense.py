"""``Dense``: ``activation(inputs @ kernel + bias)``."""

from __future__ import annotations

from ... import activations, constraints, initializers, ops, regularizers
from .._checks import incompatible, positive_int
from ..layer import Layer


def fusable_activation(fn):
    """The kernel name when ``fn`` is a built-in elementwise activation at its defaults."""
    try:
        name = activations.serialize(fn)
    except (TypeError, ValueError):
        return None
    if name in ops.ACTIVATIONS and getattr(activations, name, None) is fn:
        return name
    return None


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if lora_rank is not None:
            raise ValueError("Dense(lora_rank=...) is not supported by cuflow")
        # a fused kernel exists for named activations; anything else is applied after
        self._fused = fusable_activation(self.activation)

    def build(self, input_shape):
        if len(input_shape) < 2 and input_shape[-1:] in ((None,), ()):
            raise incompatible(self, "an input of rank >= 2", input_shape)
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f'layer "{self.name}" (Dense) needs a known last input dimension; '
                             f"received input shape {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", (in_dim, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_dim = in_dim

    def call(self, inputs):
        if inputs.ndim < 1 or inputs.shape[-1] != self.input_dim:
            raise incompatible(self, f"last dimension {self.input_dim}", inputs.shape)
        kernel, bias = self.cast_weight(self.kernel), self.cast_weight(self.bias)
        if self._fused is not None:
            out = ops.dense(inputs, kernel, bias, self._fused)
        else:
            out = self.activation(ops.dense(inputs, kernel, bias))
        if self.activity_regularizer is not None:
            self._activity_losses.append(self.activity_regularizer(out))
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}
