"""Dense's quantized storage and forward passes (Keras 3's semantics).

* int8: ``_kernel`` int8 ``(in, units)`` and ``kernel_scale`` ``(units,)`` from
  ``AbsMaxQuantizer(axis=0)``; inputs quantized per row by the config's activation quantizer
  (``AbsMaxQuantizer()`` by default, None for weight-only); ``y = (qx @ qk) / (sx * sk)``.
* int4: the int4 kernel packed along the output axis, ``(in, ceil(units / 2))`` int8. Per
  channel (``block_size`` None / -1): symmetric, ``kernel_scale`` ``(units,)``. Sub-channel
  (``block_size`` > 0): asymmetric per group of ``block_size`` input rows, ``kernel_scale`` and
  ``kernel_zero`` ``(n_groups, units)`` and ``g_idx`` (each input row's group).
* float8: float kernel; inputs and kernel rounded to float8 e4m3 by running scales, the output
  gradient to e5m2 (``Float8Mixin``).
"""

from __future__ import annotations

import math

from ... import ops, quantizers
from ...quantizers import Int4QuantizationConfig, QuantizationConfig
from .calibrated import CalibratedMixin
from .quantized import Float8Mixin, OwnVariablesMixin, QuantizableMixin, int_matmul_dequant


def int4_block_size(layer, config):
    """The int4 group size as Keras keeps it: the config's value as given (None or -1 mean one
    scale per output channel), else the layer's Int4DTypePolicy's (-1 read as None)."""
    if isinstance(config, Int4QuantizationConfig):
        return config.block_size
    block = getattr(layer.dtype_policy, "block_size", None)
    return None if block == -1 else block


def per_channel(block):
    return block is None or block == -1


class DenseQuantizedMixin(CalibratedMixin, Float8Mixin, OwnVariablesMixin, QuantizableMixin):
    inputs_quantizer = None
    _main_name = "kernel"
    variable_serialization_spec = {
        None: ["kernel", "bias"],
        "int8": ["kernel", "bias", "kernel_scale"],
        "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
        "float8": ["kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale",
                   "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history"],
        "gptq": ["bias", "quantized_kernel", "kernel_scale", "kernel_zero", "g_idx"],
        "awq": ["bias", "quantized_kernel", "kernel_scale", "kernel_zero", "awq_scales",
                "g_idx"],
    }

    def _contract(self, inputs, kernel):
        return ops.matmul(inputs, kernel)

    def _lora_variables(self):
        return [self.lora_kernel_a, self.lora_kernel_b]

    def _merged_main(self):
        """The kernel with the LoRA update merged, re-quantized in a quantized layer."""
        delta = self._lora_scale() * ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        mode = self.quantization_mode
        if mode not in ("int8", "int4"):
            return {"kernel": self.kernel}
        merged = ops.add(self._float_kernel(), ops.cast(delta, self.compute_dtype))
        value, scale, zero = self._quantize_array(merged, mode, None, self._int4_block_size)
        return {"kernel": value, "kernel_scale": scale, "kernel_zero": zero}

    @property
    def _quantizable_class(self):
        from .dense import Dense

        return Dense

    # ---- build -------------------------------------------------------------------------
    def _int8_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer())
        self._kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer="zeros",
                                       dtype="int8", trainable=False)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=(self.units,),
                                            initializer="ones", trainable=False)

    def _int4_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        input_dim, output_dim = kernel_shape
        self._kernel = self.add_weight(name="kernel", shape=(input_dim, (output_dim + 1) // 2),
                                       initializer="zeros", dtype="int8", trainable=False)
        block = int4_block_size(self, config)
        self._int4_block_size = block
        scale_shape = (self.units,) if per_channel(block) else \
            (math.ceil(input_dim / block), self.units)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=scale_shape,
                                            initializer="ones", trainable=False)
        if not per_channel(block):
            self.kernel_zero = self.add_weight(name="kernel_zero", shape=scale_shape,
                                               initializer="zeros", dtype="int8",
                                               trainable=False)
            self.g_idx = self.add_weight(
                name="g_idx", shape=(input_dim,), initializer=lambda shape, dtype=None: ops.cast(
                    ops.floor_divide(ops.arange(input_dim), block), dtype or "float32"),
                dtype="float32", trainable=False)
        self._orig_input_dim, self._orig_output_dim = input_dim, output_dim

    # ---- quantize a built float layer ----------------------------------------------------
    def _quantize_array(self, kernel, mode, config, block):
        """``(value, scale, zero or None)``: ``kernel`` quantized as ``mode`` stores it."""
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=0))
            value, scale = quantizer(kernel, to_numpy=True)
            return value, ops.squeeze(scale, axis=0), None
        if per_channel(block):
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7)))
            value, scale = quantizer(kernel, to_numpy=True)
            scale, zero = ops.squeeze(scale, axis=0), None
        else:
            value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                kernel, block_size=block)
        return quantizers.pack_int4(value, axis=-1)[0], scale, zero

    def _quantize_weights(self, mode, config):
        kernel_shape = tuple(self._kernel.shape)
        if mode == "float8":
            self.quantized_build(kernel_shape, mode, config)
            return
        value, scale, zero = self._quantize_array(self._kernel, mode, config,
                                                  int4_block_size(self, config))
        self._forget_weight(self._kernel)
        del self._kernel
        self.quantized_build(kernel_shape, mode, config)
        self._kernel.assign(value)
        self.kernel_scale.assign(scale)
        if zero is not None:
            self.kernel_zero.assign(zero)

    # ---- forward -----------------------------------------------------------------------
    def _float_kernel(self):
        """The dequantized kernel ``(in, units)`` in the compute dtype."""
        if self.quantization_mode == "int8":
            return ops.divide(ops.cast(self._kernel, self.compute_dtype), self.kernel_scale)
        unpacked = quantizers.unpack_int4(self._kernel, self._orig_output_dim, axis=-1)
        if per_channel(self._int4_block_size):
            return ops.divide(ops.cast(unpacked, self.compute_dtype), self.kernel_scale)
        return ops.cast(quantizers.dequantize_with_sz_map(
            unpacked, self.kernel_scale, self.kernel_zero, self.g_idx, group_axis=0),
            self.compute_dtype)

    def _int8_call(self, inputs, training=None):
        x = int_matmul_dequant(inputs, self._kernel, self.kernel_scale, self.inputs_quantizer,
                               self.compute_dtype, self._float_kernel)
        return self._finish(x, inputs)

    def _int4_call(self, inputs, training=None):
        if per_channel(self._int4_block_size):
            kernel = quantizers.unpack_int4(self._kernel, self._orig_output_dim, axis=-1)
            x = int_matmul_dequant(inputs, kernel, self.kernel_scale, self.inputs_quantizer,
                                   self.compute_dtype, self._float_kernel)
        else:
            x = ops.matmul(inputs, ops.stop_gradient(self._float_kernel()))
        return self._finish(x, inputs)

    def _float8_call(self, inputs, training=None):
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        x = ops.matmul(self._qdq_inputs(inputs, training), self._qdq_kernel(training))
        x = self._qdq_grad(x, training)
        if self.bias is not None:
            x = ops.add(x, self.cast_weight(self.bias))
        return self.activation(x) if self.activation is not None else x
