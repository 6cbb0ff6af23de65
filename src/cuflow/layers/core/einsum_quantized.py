"""EinsumDense's quantized storage and forward passes (Keras 3's semantics).

The equation is resolved to explicit labels (an ellipsis gets fresh ones for the input's rank).
Kernel axes whose label is not in the output are the *reduced* axes.

* int8: the kernel quantized by abs-max over the reduced axes; ``kernel_scale`` is kept in the
  output's layout (the kernel's kept axes in output order, 1 elsewhere) so it broadcasts
  against the einsum result; inputs are quantized over their own reduced axes likewise.
* int4: the kernel reshaped to 2-D ``(rows = reduced sizes, columns = the rest)`` as Keras does
  (a plain reshape), packed along columns; per-channel scale ``(columns,)`` or, with a block
  size, asymmetric groups of rows (``kernel_scale`` / ``kernel_zero`` ``(n_groups, columns)``).
* float8: as Dense (``Float8Mixin``) around the einsum.
"""

from __future__ import annotations

import math
import string

from ... import ops, quantizers
from ...quantizers import QuantizationConfig
from .calibrated import CalibratedMixin
from .dense_quantized import int4_block_size, per_channel
from .quantized import Float8Mixin, OwnVariablesMixin, QuantizableMixin


def resolve_specs(equation, input_rank):
    """``(input_spec, weight_spec, output_spec)`` with any ellipsis replaced by fresh labels."""
    eq = equation.replace(" ", "")
    lhs, out = eq.split("->")
    inp, weight = lhs.split(",")
    if "..." not in inp:
        return inp, weight, out
    named = inp.replace("...", "")
    free = [c for c in string.ascii_letters if c not in set(inp + weight + out)]
    fresh = "".join(free[:input_rank - len(named)])
    return inp.replace("...", fresh), weight, out.replace("...", fresh)


def to_output_layout(scale, spec, out_spec):
    """A keepdims scale over ``spec``'s axes (reduced axes of size 1) in the output's layout."""
    kept = [lab for lab in spec if lab in out_spec]
    sizes = {lab: scale.shape[i] for i, lab in enumerate(spec)}
    s = ops.reshape(scale, [sizes[lab] for lab in kept])
    order = sorted(range(len(kept)), key=lambda i: out_spec.index(kept[i]))
    if order != list(range(len(kept))):
        s = ops.transpose(s, order)
    return ops.reshape(s, [sizes[lab] if lab in spec else 1 for lab in out_spec])


def to_kernel_layout(scale, weight_spec, out_spec):
    """The inverse of :func:`to_output_layout` for the kernel: broadcastable over the kernel."""
    out_kept = [lab for lab in out_spec if lab in weight_spec]
    sizes = {lab: scale.shape[i] for i, lab in enumerate(out_spec)}
    s = ops.reshape(scale, [sizes[lab] for lab in out_kept])
    kernel_kept = [lab for lab in weight_spec if lab in out_spec]
    order = [out_kept.index(lab) for lab in kernel_kept]
    if order != list(range(len(order))):
        s = ops.transpose(s, order)
    return ops.reshape(s, [sizes[lab] if lab in out_spec else 1 for lab in weight_spec])


class EinsumQuantizedMixin(CalibratedMixin, Float8Mixin, OwnVariablesMixin, QuantizableMixin):
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
        return ops.einsum(self.equation, inputs, kernel)

    def _calibrated_rows_columns(self, kernel_shape):
        """Keras's 2-D view of a GPTQ / AWQ kernel: 2-D as is; 3-D by where the largest axis
        is (first: ``(in, heads * head_dim)``; else ``(heads * head_dim, out)``)."""
        if len(kernel_shape) == 2:
            return kernel_shape
        if len(kernel_shape) != 3:
            raise ValueError(f"GPTQ / AWQ quantization supports 2-D or 3-D kernels; received "
                             f"kernel shape {kernel_shape}")
        if kernel_shape.index(max(kernel_shape)) == 0:
            return kernel_shape[0], kernel_shape[1] * kernel_shape[2]
        return kernel_shape[0] * kernel_shape[1], kernel_shape[2]

    @property
    def _quantizable_class(self):
        from .einsum_dense import EinsumDense

        return EinsumDense

    def _set_quantization_info(self):
        self._specs = resolve_specs(self.equation, self._input_rank)
        in_spec, w_spec, out_spec = self._specs
        self._input_reduced_axes = tuple(i for i, c in enumerate(in_spec) if c not in out_spec)
        self._kernel_reduced_axes = tuple(i for i, c in enumerate(w_spec) if c not in out_spec)
        self._grad_equation = f"{out_spec},{w_spec}->{in_spec}"

    def _lora_variables(self):
        return [self.lora_kernel_a, self.lora_kernel_b]

    # ---- build -------------------------------------------------------------------------
    def _int8_build(self, kernel_shape, config=None):
        self._set_quantization_info()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer())
        self.quantization_axis = self._input_reduced_axes
        _, w_spec, out_spec = self._specs
        scale_shape = [kernel_shape[w_spec.index(c)] if c in w_spec else 1 for c in out_spec]
        self._kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                       initializer="zeros", dtype="int8", trainable=False)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=tuple(scale_shape),
                                            initializer="ones", trainable=False)

    def _int4_build(self, kernel_shape, config=None):
        self._set_quantization_info()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        self.quantization_axis = self._input_reduced_axes
        self.original_kernel_shape = tuple(kernel_shape)
        rows = math.prod(d for i, d in enumerate(kernel_shape)
                         if i in self._kernel_reduced_axes)
        columns = math.prod(d for i, d in enumerate(kernel_shape)
                            if i not in self._kernel_reduced_axes)
        block = int4_block_size(self, config)
        self._int4_block_size = None if per_channel(block) else block
        self._int4_unpacked_column_size, self._int4_rows = columns, rows
        self._kernel = self.add_weight(name="kernel", shape=(rows, (columns + 1) // 2),
                                       initializer="zeros", dtype="int8", trainable=False)
        scale_shape = (columns,) if per_channel(block) else (math.ceil(rows / block), columns)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=scale_shape,
                                            initializer="ones", trainable=False)
        if not per_channel(block):
            self.kernel_zero = self.add_weight(name="kernel_zero", shape=scale_shape,
                                               initializer="zeros", dtype="int8",
                                               trainable=False)
            self.g_idx = self.add_weight(
                name="g_idx", shape=(rows,), dtype="float32", trainable=False,
                initializer=lambda shape, dtype=None: ops.cast(
                    ops.floor_divide(ops.arange(rows), block), dtype or "float32"))

    # ---- quantize a built float layer ----------------------------------------------------
    def _quantize_array(self, kernel, mode, config, block):
        """``(value, scale, zero or None)``: ``kernel`` quantized as ``mode`` stores it."""
        self._set_quantization_info()
        _, w_spec, out_spec = self._specs
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=self._kernel_reduced_axes))
            value, scale = quantizer(kernel, to_numpy=True)
            return value, to_output_layout(scale, w_spec, out_spec), None
        rows = math.prod(d for i, d in enumerate(kernel.shape)
                         if i in self._kernel_reduced_axes)
        flat = ops.reshape(kernel, (rows, -1))
        if per_channel(block):
            value, scale = quantizers.abs_max_quantize(flat, axis=0, value_range=(-8, 7))
            scale, zero = ops.squeeze(scale, axis=0), None
        else:
            value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                flat, block_size=block)
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

    def _merged_main(self):
        """The kernel with the LoRA update merged, re-quantized in a quantized layer."""
        mode = self.quantization_mode
        if mode not in ("int8", "int4"):
            return {"kernel": self.kernel}
        delta = self._lora_scale() * ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
        merged = ops.add(self._float_kernel(), ops.cast(delta, self.compute_dtype))
        value, scale, zero = self._quantize_array(merged, mode, None, self._int4_block_size)
        return {"kernel": value, "kernel_scale": scale, "kernel_zero": zero}

    # ---- forward -----------------------------------------------------------------------
    def _unpacked_kernel(self):
        return quantizers.unpack_int4(self._kernel, self._int4_unpacked_column_size, axis=-1)

    def _float_kernel(self):
        """The dequantized kernel in its einsum shape and the compute dtype."""
        if self.quantization_mode == "int8":
            _, w_spec, out_spec = self._specs
            return ops.divide(ops.cast(self._kernel, self.compute_dtype),
                              to_kernel_layout(self.kernel_scale, w_spec, out_spec))
        unpacked = ops.cast(self._unpacked_kernel(), self.compute_dtype)
        if per_channel(self._int4_block_size):
            flat = ops.divide(unpacked, self.kernel_scale)
        else:
            flat = quantizers.dequantize_with_sz_map(unpacked, self.kernel_scale,
                                                     self.kernel_zero, self.g_idx, group_axis=0)
        return ops.reshape(ops.cast(flat, self.compute_dtype), self.original_kernel_shape)

    def _einsum_dequant(self, inputs, kernel_for_product, out_scale_fn):
        """``einsum(inputs, kernel)`` with the inputs' gradient through the float kernel."""
        in_spec, _, out_spec = self._specs

        @ops.custom_gradient
        def forward(x):
            def grad_fn(upstream):
                return ops.einsum(self._grad_equation, upstream, self._float_kernel())

            if self.inputs_quantizer:
                qx, x_scale = self.inputs_quantizer(x, axis=self.quantization_axis)
                x_scale = to_output_layout(x_scale, in_spec, out_spec)
                kernel = kernel_for_product(True)
                qx = ops.cast(qx, "int32" if str(kernel.dtype).startswith("int") else
                              self.compute_dtype)
                y = ops.einsum(self.equation, qx, kernel)
                y = ops.divide(ops.cast(y, self.compute_dtype), out_scale_fn(x_scale))
            else:
                y = ops.divide(ops.einsum(self.equation, x, kernel_for_product(False)),
                               out_scale_fn(None))
            return y, grad_fn

        return forward(inputs)

    def _int8_call(self, inputs, training=None):
        def kernel(int_product):
            return ops.cast(self._kernel, "int32" if int_product else self.compute_dtype)

        def out_scale(x_scale):
            return self.kernel_scale if x_scale is None else \
                ops.multiply(x_scale, self.kernel_scale)

        return self._finish(self._einsum_dequant(inputs, kernel, out_scale), inputs)

    def _int4_call(self, inputs, training=None):
        if per_channel(self._int4_block_size):
            def kernel(int_product):
                return self._float_kernel()

            def out_scale(x_scale):
                return 1.0 if x_scale is None else x_scale

            x = self._einsum_dequant(inputs, kernel, out_scale)
        else:
            x = ops.einsum(self.equation, inputs, ops.stop_gradient(self._float_kernel()))
        return self._finish(x, inputs)

    def _float8_call(self, inputs, training=None):
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        x = ops.einsum(self.equation, self._qdq_inputs(inputs, training),
                       self._qdq_kernel(training))
        x = self._qdq_grad(x, training)
        if self.bias is not None:
            x = ops.add(x, self.cast_weight(self.bias))
        return self.activation(x) if self.activation is not None else x

    def _finish(self, x, inputs):
        """LoRA, bias and activation after a quantized product."""
        if self.lora_enabled:
            lora = ops.matmul(ops.einsum(self.equation, inputs, self.lora_kernel_a),
                              self.lora_kernel_b)
            x = ops.cast(ops.add(x, self._lora_scale() * lora), self.compute_dtype)
        if self.bias is not None:
            x = ops.add(x, self.cast_weight(self.bias))
        return self.activation(x) if self.activation is not None else x
