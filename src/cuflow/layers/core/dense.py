"""``Dense``: ``activation(inputs @ kernel + bias)``, with LoRA and int8 / int4 / float8
quantization as Keras 3 (``quantize(mode)``, ``dtype="int8_from_float32"``)."""

from __future__ import annotations

from ... import activations, constraints, initializers, ops, quantizers, regularizers
from .._checks import incompatible, positive_int
from ..layer import Layer
from .dense_quantized import DenseQuantizedMixin


def fusable_activation(fn):
    """The kernel name when ``fn`` is a built-in elementwise activation at its defaults."""
    try:
        name = activations.serialize(fn)
    except (TypeError, ValueError):
        return None
    if name in ops.ACTIVATIONS and getattr(activations, name, None) is fn:
        return name
    return None


class Dense(DenseQuantizedMixin, Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
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
        self._init_lora(lora_rank, lora_alpha)
        if isinstance(quantization_config, dict):
            quantization_config = quantizers.deserialize(quantization_config)
        self.quantization_config = quantization_config
        self.supports_masking = True
        # a fused kernel exists for named activations; anything else is applied after
        self._fused = fusable_activation(self.activation)

    def build(self, input_shape):
        if len(input_shape) < 2 and input_shape[-1:] in ((None,), ()):
            raise incompatible(self, "an input of rank >= 2", input_shape)
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f'layer "{self.name}" (Dense) needs a known last input dimension; '
                             f"received input shape {tuple(input_shape)}")
        kernel_shape = (in_dim, self.units)
        mode = self.quantization_mode
        if mode in ("int8", "int4", "gptq", "awq"):
            self.quantized_build(kernel_shape, mode, self.quantization_config)
        else:
            self._kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer,
                                           regularizer=self.kernel_regularizer,
                                           constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        if mode == "float8":
            # float8 (or an unknown mode: the error) after kernel and bias, the order
            # quantize() leaves them in
            self.quantized_build(kernel_shape, mode, self.quantization_config)
        self.input_dim = in_dim
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    @property
    def kernel(self):
        """The kernel as Keras exposes it: float, int8, or int4 unpacked to int8, plus the
        LoRA update ``lora_alpha / lora_rank * A @ B`` when LoRA is enabled."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if self.quantization_mode in ("gptq", "awq"):
            return self._calibrated_kernel()
        kernel = self._kernel
        if self.quantization_mode == "int4":
            kernel = quantizers.unpack_int4(kernel, self._orig_output_dim, axis=-1)
        if self.lora_enabled:
            kernel = ops.cast(ops.add(kernel, self._lora_scale() * ops.matmul(
                self.lora_kernel_a, self.lora_kernel_b)), self.compute_dtype)
        return kernel

    def call(self, inputs, training=None):
        if inputs.ndim < 1 or inputs.shape[-1] != self.input_dim:
            raise incompatible(self, f"last dimension {self.input_dim}", inputs.shape)
        if self.quantization_mode is not None:
            out = self.quantized_call(inputs, training=training)
        else:
            kernel, bias = self.cast_weight(self._kernel), self.cast_weight(self.bias)
            if self.lora_enabled:
                out = ops.dense(inputs, kernel, bias)
                lora = ops.matmul(ops.matmul(inputs, self.cast_weight(self.lora_kernel_a)),
                                  self.cast_weight(self.lora_kernel_b))
                out = self.activation(ops.add(out, self._lora_scale() * lora))
            elif self._fused is not None:
                out = ops.dense(inputs, kernel, bias, self._fused)
            else:
                out = self.activation(ops.dense(inputs, kernel, bias))
        if self.activity_regularizer is not None:
            self._activity_losses.append(self.activity_regularizer(out))
        return out

    def _finish(self, x, inputs):
        """LoRA, bias and activation after a quantized product."""
        if self.lora_enabled:
            lora = ops.matmul(ops.matmul(inputs, self.lora_kernel_a), self.lora_kernel_b)
            x = ops.cast(ops.add(x, self._lora_scale() * lora), self.compute_dtype)
        if self.bias is not None:
            x = ops.add(x, self.cast_weight(self.bias))
        return self.activation(x) if self.activation is not None else x

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and train ``kernel + lora_alpha / rank * A @ B`` instead
        (A: ``(input_dim, rank)``, B: ``(rank, units)``, float32)."""
        self._check_enable_lora(self.kernel_constraint, "kernel", "kernel_constraint")
        in_dim = self._orig_input_dim if self.quantization_mode == "int4" else \
            self._kernel.shape[0]
        self.lora_kernel_a = self.add_weight(name="lora_kernel_a", shape=(in_dim, rank),
                                             initializer=initializers.get(a_initializer),
                                             dtype="float32",
                                             regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(name="lora_kernel_b", shape=(rank, self.units),
                                             initializer=initializers.get(b_initializer),
                                             dtype="float32",
                                             regularizer=self.kernel_regularizer)
        self._set_weight_trainable(self._kernel, False)
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

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
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": quantizers.serialize(self.quantization_config),
                **self._lora_config()}
