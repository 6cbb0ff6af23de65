"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Embedding."""

from __future__ import annotations

import math

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from .base import Layer


def _positive_int(owner, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer; received {value!r}")
    return int(value)


def fusable_activation(fn):
    """The kernel name when ``fn`` is a built-in elementwise activation at its defaults."""
    try:
        name = activations.serialize(fn)
    except (TypeError, ValueError):
        return None
    if name in ops.ACTIVATIONS and getattr(activations, name, None) is fn:
        return name
    return None


def incompatible(layer, expected, shape):
    return ValueError(f'Input 0 of layer "{layer.name}" ({type(layer).__name__}) is incompatible '
                      f"with the layer: expected {expected}, received input with shape "
                      f"{tuple(shape)}")


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, **kwargs):
        super().__init__(**kwargs)
        self.units = _positive_int("Dense", "units", units)
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


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Dropout: rate must be a number in [0, 1]; received {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1.0:
            return inputs * 0.0
        return ops.dropout(inputs, self.rate, training=True, noise_shape=self.noise_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten: data_format must be 'channels_last' or 'channels_first'; "
                             f"received {data_format!r}")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            perm = (0,) + tuple(range(2, inputs.ndim)) + (1,)
            inputs = ops.transpose(inputs, perm)
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], n)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(s) for s in target_shape)
        if self.target_shape.count(-1) > 1 or any(s < -1 or s == 0 for s in self.target_shape):
            raise ValueError(f"Reshape: invalid target_shape {target_shape!r}")

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return self.target_shape if -1 not in self.target_shape else \
                tuple(None if s == -1 else s for s in self.target_shape)
        total = int(math.prod(rest))
        known = int(math.prod(s for s in self.target_shape if s != -1))
        if -1 in self.target_shape:
            if total % known:
                raise ValueError(f'layer "{self.name}" (Reshape) cannot reshape input of shape '
                                 f"{tuple(input_shape)} to {self.target_shape}")
            return tuple(total // known if s == -1 else s for s in self.target_shape)
        if known != total:
            raise ValueError(f'layer "{self.name}" (Reshape) cannot reshape input of shape '
                             f"{tuple(input_shape)} ({total} values per sample) to "
                             f"{self.target_shape} ({known} values)")
        return self.target_shape

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)}; "
                             f"received {dims!r}")

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _positive_int("RepeatVector", "n", n)

    def call(self, inputs):
        if inputs.ndim != 2:
            raise incompatible(self, "a rank-2 input (batch, features)", inputs.shape)
        return ops.tile(ops.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Embedding(Layer):
    """Integer indices → dense vectors; ``mask_zero=True`` masks index 0 downstream."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, **kwargs):
        if input_length is not None:
            kwargs.setdefault("input_shape", (input_length,))
        super().__init__(**kwargs)
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.supports_masking = self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs):
        if inputs.dtype.kind == "f":
            inputs = ops.cast(inputs, "int64")
        return ops.gather(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}
