"""Storage and forward pass of GPTQ / AWQ-quantized kernels (Keras 3's layout), for Dense and
EinsumDense.

cuflow does not run the calibration itself (it needs a dataset and the model's block
structure: ``Model.quantize("gptq")`` says so); a layer quantized to ``"gptq"`` / ``"awq"`` gets
Keras's variables, keeps computing with its float kernel until calibrated weights are loaded
(``load_own_variables`` from a Keras file), and then runs on them:

* ``quantized_kernel`` uint8 ``(columns, rows)`` (two 4-bit values per byte along the first
  axis when ``weight_bits == 4``), with ``kernel_scale`` / ``kernel_zero`` ``(columns, groups)``
  and ``g_idx`` (each row's group): ``W = ((q - zero[g]) * scale[g])ᵀ``;
* AWQ also divides each row by ``awq_scales``.
"""

from __future__ import annotations

import math

from ... import ops, quantizers
from ...quantizers import AWQConfig, GPTQConfig


def _setting(layer, config, config_cls, name):
    if isinstance(config, config_cls):
        return getattr(config, name)
    return getattr(layer.dtype_policy, name)


class CalibratedMixin:
    is_gptq_calibrated = False
    is_awq_calibrated = False

    def _calibrated_rows_columns(self, kernel_shape):
        return kernel_shape[0], kernel_shape[1]

    def _calibrated_build(self, kernel_shape, config, mode):
        cfg_cls = GPTQConfig if mode == "gptq" else AWQConfig
        bits = _setting(self, config, cfg_cls, "weight_bits")
        group = _setting(self, config, cfg_cls, "group_size")
        rows, columns = self._calibrated_rows_columns(tuple(kernel_shape))
        self.original_kernel_shape = tuple(kernel_shape)
        self._calibrated_columns, self._weight_bits = columns, bits
        n_groups = 1 if group == -1 else math.ceil(rows / group)
        packed = (columns + 1) // 2 if bits == 4 else columns
        self.quantized_kernel = self.add_weight(name="kernel", shape=(packed, rows),
                                                initializer="zeros", dtype="uint8",
                                                trainable=False)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=(columns, n_groups),
                                            initializer="ones", trainable=False)
        self.kernel_zero = self.add_weight(name="kernel_zero", shape=(columns, n_groups),
                                           initializer="zeros", dtype="uint8", trainable=False)
        if mode == "awq":
            self.awq_scales = self.add_weight(name="awq_scales", shape=(rows,),
                                              initializer="ones", trainable=False)
        self.g_idx = self.add_weight(name="g_idx", shape=(rows,), initializer="zeros",
                                     dtype="float32", trainable=False)

    def _gptq_build(self, kernel_shape, config=None):
        self.is_gptq_calibrated = False
        self._calibrated_build(kernel_shape, config, "gptq")

    def _awq_build(self, kernel_shape, config=None):
        self.is_awq_calibrated = False
        self._calibrated_build(kernel_shape, config, "awq")

    def _calibrated(self):
        return self.is_gptq_calibrated if self.quantization_mode == "gptq" else \
            self.is_awq_calibrated

    def _calibrated_codes(self):
        """The integer codes ``(columns, rows)``: unpacked when stored two per byte."""
        if self._weight_bits == 4:
            return quantizers.unpack_int4(self.quantized_kernel, self._calibrated_columns,
                                          axis=0, dtype="uint8")
        return self.quantized_kernel

    def _calibrated_float_kernel(self):
        """The dequantized kernel in its own shape."""
        w = quantizers.dequantize_with_sz_map(self._calibrated_codes(), self.kernel_scale,
                                              self.kernel_zero, self.g_idx)
        w = ops.transpose(w)
        if self.quantization_mode == "awq":
            w = ops.divide(w, ops.expand_dims(self.awq_scales, -1))
        return ops.reshape(ops.cast(w, self.compute_dtype), self.original_kernel_shape)

    def _calibrated_kernel(self):
        """What ``kernel`` reads: the float kernel before calibration, the codes after."""
        if not self._calibrated():
            return getattr(self, "_kernel", None)
        return self._calibrated_codes()

    def _calibrated_call(self, inputs, training=None):
        if self._calibrated():
            kernel = self._calibrated_float_kernel()
        else:
            kernel = self.cast_weight(self._kernel)
        x = self._contract(inputs, kernel)
        if self.bias is not None:
            x = ops.add(x, self.cast_weight(self.bias))
        return self.activation(x) if self.activation is not None else x

    def _gptq_call(self, inputs, training=None):
        return self._calibrated_call(inputs, training)

    def _awq_call(self, inputs, training=None):
        return self._calibrated_call(inputs, training)
