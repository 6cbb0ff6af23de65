"""``Embedding``: integer indices to dense vectors, with LoRA and int8 / int4 quantization as
Keras 3 (one scale per vocabulary row: ``embeddings ≈ q / scale[row]``)."""

from __future__ import annotations

import math

from ... import constraints, initializers, ops, quantizers, regularizers
from ...quantizers import QuantizationConfig
from ..layer import Layer
from .dense_quantized import int4_block_size, per_channel
from .quantized import OwnVariablesMixin, QuantizableMixin


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value} "
                         f"(of type {type(value).__name__}).")
    return value


class Embedding(OwnVariablesMixin, QuantizableMixin, Layer):
    """Integer indices → dense vectors; ``mask_zero=True`` masks index 0 downstream."""

    _main_name = "embeddings"
    variable_serialization_spec = {
        None: ["embeddings"],
        "int8": ["embeddings", "embeddings_scale"],
        "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"],
    }

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 input_length=None, **kwargs):
        _positive_int("input_dim", input_dim)
        _positive_int("output_dim", output_dim)
        if input_length is not None:
            kwargs.setdefault("input_shape", (input_length,))
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.supports_masking = self.mask_zero
        self.autocast = False
        self._init_lora(lora_rank, lora_alpha)
        if isinstance(quantization_config, dict):
            quantization_config = quantizers.deserialize(quantization_config)
        self.quantization_config = quantization_config
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    @property
    def _quantizable_class(self):
        return Embedding

    def build(self, input_shape=None):
        if self.built:
            return
        shape = (self.input_dim, self.output_dim)
        mode = self.quantization_mode
        if mode:
            self.quantized_build(shape, mode, self.quantization_config)
        if mode not in ("int8", "int4"):
            self._embeddings = self.add_weight(
                name="embeddings", shape=shape, initializer=self.embeddings_initializer,
                regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    @property
    def embeddings(self):
        """The table as Keras exposes it (int8 / unpacked int4 when quantized), plus the LoRA
        update when LoRA is enabled."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        table = self._embeddings
        if self.quantization_mode == "int4":
            table = quantizers.unpack_int4(table, self._orig_output_dim, axis=-1)
        if self.lora_enabled:
            table = ops.cast(ops.add(table, self._lora_scale() * ops.matmul(
                self.lora_embeddings_a, self.lora_embeddings_b)), self.compute_dtype)
        return table

    def _indices(self, inputs):
        return inputs if str(inputs.dtype) in ("int32", "int64") else ops.cast(inputs, "int32")

    def call(self, inputs):
        if self.quantization_mode is not None:
            return self.quantized_call(inputs)
        inputs = self._indices(inputs)
        if self.lora_enabled:
            out = self._add_lora(ops.take(self._embeddings, inputs, axis=0), inputs)
        else:
            out = ops.gather(self._embeddings, inputs)
        return ops.cast(out, self.compute_dtype)

    def _add_lora(self, out, inputs):
        if not self.lora_enabled:
            return out
        lora = ops.matmul(ops.take(self.lora_embeddings_a, inputs, axis=0),
                          self.lora_embeddings_b)
        return ops.cast(ops.add(out, self._lora_scale() * lora), self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the table and train ``embeddings + lora_alpha / rank * A @ B``."""
        self._check_enable_lora(self.embeddings_constraint, "embedding",
                                "embeddings_constraint")
        self.lora_embeddings_a = self.add_weight(
            name="lora_embeddings_a", shape=(self.input_dim, rank),
            initializer=initializers.get(a_initializer), dtype="float32",
            regularizer=self.embeddings_regularizer)
        self.lora_embeddings_b = self.add_weight(
            name="lora_embeddings_b", shape=(rank, self.output_dim),
            initializer=initializers.get(b_initializer), dtype="float32",
            regularizer=self.embeddings_regularizer)
        self._set_weight_trainable(self._embeddings, False)
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    # ---- quantization ------------------------------------------------------------------
    def _int8_build(self, shape, config=None):
        self._embeddings = self.add_weight(name="embeddings", shape=shape, initializer="zeros",
                                           dtype="int8", trainable=False)
        self.embeddings_scale = self.add_weight(name="embeddings_scale",
                                                shape=(self.input_dim,), initializer="ones",
                                                trainable=False)

    def _int4_build(self, shape, config=None):
        input_dim, output_dim = shape
        self._embeddings = self.add_weight(name="embeddings",
                                           shape=(input_dim, (output_dim + 1) // 2),
                                           initializer="zeros", dtype="int8", trainable=False)
        block = int4_block_size(self, config)
        self._int4_block_size = block
        scale_shape = (input_dim,) if per_channel(block) else \
            (input_dim, math.ceil(output_dim / block))
        self.embeddings_scale = self.add_weight(name="embeddings_scale", shape=scale_shape,
                                                initializer="ones", trainable=False)
        if not per_channel(block):
            self.embeddings_zero = self.add_weight(name="embeddings_zero", shape=scale_shape,
                                                   initializer="zeros", dtype="int8",
                                                   trainable=False)
            self.g_idx = self.add_weight(
                name="g_idx", shape=(output_dim,), dtype="float32", trainable=False,
                initializer=lambda shape, dtype=None: ops.cast(
                    ops.floor_divide(ops.arange(output_dim), block), dtype or "float32"))
        self._orig_output_dim = output_dim

    def _lora_variables(self):
        return [self.lora_embeddings_a, self.lora_embeddings_b]

    def _float_table(self):
        """The dequantized table ``(input_dim, output_dim)`` in the compute dtype."""
        if self.quantization_mode == "int8":
            return ops.divide(ops.cast(self._embeddings, self.compute_dtype),
                              ops.expand_dims(self.embeddings_scale, -1))
        table = ops.cast(quantizers.unpack_int4(self._embeddings, self._orig_output_dim,
                                                axis=-1), self.compute_dtype)
        if per_channel(self._int4_block_size):
            return ops.divide(table, ops.expand_dims(self.embeddings_scale, -1))
        return quantizers.dequantize_with_sz_map(table, self.embeddings_scale,
                                                 self.embeddings_zero, self.g_idx,
                                                 group_axis=-1)

    def _merged_main(self):
        """The table with the LoRA update merged, re-quantized in a quantized layer."""
        mode = self.quantization_mode
        if mode not in ("int8", "int4"):
            return {"embeddings": self.embeddings}
        delta = self._lora_scale() * ops.matmul(self.lora_embeddings_a, self.lora_embeddings_b)
        merged = ops.add(self._float_table(), ops.cast(delta, self.compute_dtype))
        value, scale, zero = self._quantize_array(merged, mode, None, self._int4_block_size)
        return {"embeddings": value, "embeddings_scale": scale, "embeddings_zero": zero}

    def _quantize_array(self, table, mode, config, block):
        """``(value, scale, zero or None)``: one scale per row (per group of columns)."""
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=-1))
            value, scale = quantizer(table, to_numpy=True)
            return value, ops.squeeze(scale, axis=-1), None
        if per_channel(block):
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, quantizers.AbsMaxQuantizer(axis=-1, value_range=(-8, 7)))
            value, scale = quantizer(table, to_numpy=True)
            scale, zero = ops.squeeze(scale, axis=-1), None
        else:  # groups along output_dim: quantize the transpose, as Keras
            value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                ops.transpose(table), block_size=block)
            value, scale, zero = ops.transpose(value), ops.transpose(scale), ops.transpose(zero)
        return quantizers.pack_int4(value, axis=-1)[0], scale, zero

    def _quantize_weights(self, mode, config):
        if mode not in ("int8", "int4"):
            raise NotImplementedError(f"Embedding does not support quantization mode "
                                      f"{mode!r}; expected 'int8' or 'int4'")
        value, scale, zero = self._quantize_array(self._embeddings, mode, config,
                                                  int4_block_size(self, config))
        self._forget_weight(self._embeddings)
        del self._embeddings
        self.quantized_build((self.input_dim, self.output_dim), mode, config)
        self._embeddings.assign(value)
        self.embeddings_scale.assign(scale)
        if zero is not None:
            self.embeddings_zero.assign(zero)

    def _int8_call(self, inputs, training=None):
        inputs = self._indices(inputs)
        scale = ops.take(self.embeddings_scale, inputs, axis=0)
        out = ops.divide(ops.cast(ops.take(self._embeddings, inputs, axis=0),
                                  self.compute_dtype), ops.expand_dims(scale, -1))
        return self._add_lora(out, inputs)

    def _int4_call(self, inputs, training=None):
        inputs = self._indices(inputs)
        table = quantizers.unpack_int4(self._embeddings, self._orig_output_dim, axis=-1)
        out = ops.cast(ops.take(table, inputs, axis=0), self.compute_dtype)
        scale = ops.take(self.embeddings_scale, inputs, axis=0)
        if per_channel(self._int4_block_size):
            out = ops.divide(out, ops.expand_dims(scale, -1))
        else:
            zero = ops.take(self.embeddings_zero, inputs, axis=0)
            out = quantizers.dequantize_with_sz_map(out, scale, zero, self.g_idx, group_axis=-1)
        return self._add_lora(out, inputs)

    @classmethod
    def from_config(cls, config):
        try:
            return cls(**config)
        except ValueError as e:  # Keras reports a config it cannot build as a TypeError
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using "
                            f"config={config}.\n\nException encountered: {e}") from e

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "quantization_config": quantizers.serialize(self.quantization_config),
                **self._lora_config()}
