"""``EinsumDense``: a dense layer whose contraction is an einsum equation (Keras 3).

The kernel shape, bias shape and full output shape are derived from the equation, the input
shape and the partial ``output_shape`` exactly as Keras's ``_analyze_einsum_string`` does, so
weight shapes (and parameter counts) match Keras, ellipsis equations included.
"""

from __future__ import annotations

import re

from ... import activations, constraints, initializers, ops, quantizers, regularizers
from ..layer import Layer
from ..serialization import serialize
from .einsum_quantized import EinsumQuantizedMixin


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """``(kernel_shape, bias_shape or None, full_output_shape)`` as Keras computes them."""
    if not isinstance(equation, str):
        raise ValueError(f"EinsumDense: equation must be a string; received {equation!r}")
    replaced = re.sub(r"\.\.\.", "0", equation)
    # no ellipsis
    split = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", replaced)
    if split:
        return _analyze_split(split, bias_axes, input_shape, output_shape)
    # ellipsis on the left
    split = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", replaced)
    if split:
        return _analyze_split(split, bias_axes, input_shape, output_shape, left_elided=True)
    # ellipsis on the right
    split = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", replaced)
    if split:
        return _analyze_split(split, bias_axes, input_shape, output_shape)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     f"[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split(split, bias_axes, input_shape, output_shape, left_elided=False):
    input_spec, weight_spec, output_spec = split.group(1), split.group(2), split.group(3)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0:
        raise ValueError(f"EinsumDense: the equation's input spec '{input_spec}' names "
                         f"{len(input_spec)} axes; received an input of shape {input_shape}")
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            # the 0th input dimension is already at 0, so insert from 1
            output_shape.insert(1, input_shape[i])
    elif elided > 0 and not left_elided:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])

    if left_elided:
        # leading axes elided: index the input from its end; the output is complete already
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    if any(i >= len(output_shape) for i in output_dim_map.values()):
        raise ValueError(f"EinsumDense: output_shape {tuple(output_shape[1:])} does not cover "
                         f"the output spec '{output_spec}' for input shape {input_shape}")

    for dim in input_spec:
        in_at = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            out_at = output_shape[output_dim_map[dim]]
            if out_at is not None and out_at != in_at:
                raise ValueError(f"Input shape and output shape do not match at shared "
                                 f"dimension '{dim}'. Input shape is {in_at}, and output shape "
                                 f"is {out_at}.")
            # a None in output_shape keeps the input's size (Keras's documented output shape:
            # "abc,cd->abd", output_shape=(None, 64) on (None, 32, 128) gives (None, 32, 64))
            output_shape[output_dim_map[dim]] = in_at
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' "
                             f"but has no corresponding dim in the input spec '{input_spec}' "
                             f"or weight spec '{weight_spec}'")
    weight_shape = []
    for dim in weight_spec:
        if dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
        elif dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the "
                             f"input spec '{input_spec}' or the output spec '{output_spec}'. "
                             f"For this layer, the weight must be fully specified.")
    if any(d is None for d in weight_shape):
        raise ValueError(f"EinsumDense: the kernel shape {tuple(weight_shape)} has an unknown "
                         f"dimension; received input shape {input_shape} and output_shape "
                         f"{tuple(output_shape[1:])}")

    bias_shape = None
    if bias_axes is not None:
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"Bias dimension '{char}' was requested, but is not part of "
                                 f"the output spec '{output_spec}'")
        idx_map = {char: output_shape[output_dim_map[char]] for char in output_spec}
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [idx_map[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * elided
    return weight_shape, bias_shape, output_shape


class EinsumDense(EinsumQuantizedMixin, Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    ``EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")`` maps (batch, 32, 128)
    to (batch, 32, 64); ``output_shape`` omits the batch axis, None keeps an input's size.
    """

    _single_input = True

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str) or "->" not in equation:
            raise ValueError(f"EinsumDense: equation must be a string such as 'ab,bc->ac'; "
                             f"received {equation!r}")
        self.equation = equation
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            self.partial_output_shape = (output_shape,)
        elif isinstance(output_shape, (list, tuple)) and all(
                d is None or isinstance(d, int) and not isinstance(d, bool) and d > 0
                for d in output_shape):
            self.partial_output_shape = tuple(output_shape)
        else:
            raise ValueError(f"EinsumDense: output_shape must be a positive int or a tuple of "
                             f"positive ints / None; received {output_shape!r}")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise ValueError(f"EinsumDense: bias_axes must be a string of output labels or "
                             f"None; received {bias_axes!r}")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
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
        self.full_output_shape = None

    def build(self, input_shape):
        kernel_shape, bias_shape, full = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.full_output_shape = tuple(full)
        self._input_rank = len(tuple(input_shape))
        mode = self.quantization_mode
        if mode in ("int8", "int4", "gptq", "awq"):
            self.quantized_build(tuple(kernel_shape), mode, self.quantization_config)
        else:
            self._kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape),
                                           initializer=self.kernel_initializer,
                                           regularizer=self.kernel_regularizer,
                                           constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        if mode == "float8":
            # float8 after kernel and bias, the order quantize() leaves them in
            self.quantized_build(tuple(kernel_shape), mode, self.quantization_config)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    @property
    def kernel(self):
        """The kernel as Keras exposes it (int8, or int4 unpacked to the kernel's shape, when
        quantized), plus ``lora_alpha / lora_rank * A @ B`` when LoRA is enabled."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if self.quantization_mode in ("gptq", "awq"):
            return self._calibrated_kernel()
        kernel = self._kernel
        if self.quantization_mode == "int4":
            kernel = ops.reshape(self._unpacked_kernel(), self.original_kernel_shape)
        if self.lora_enabled:
            kernel = ops.cast(ops.add(kernel, self._lora_scale() * ops.matmul(
                self.lora_kernel_a, self.lora_kernel_b)), self.compute_dtype)
        return kernel

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and train ``kernel + lora_alpha / rank * A @ B`` (A: the kernel's
        shape with its last axis ``rank``, B: ``(rank, last kernel axis)``)."""
        self._check_enable_lora(self.kernel_constraint, "kernel", "kernel_constraint")
        shape = self.original_kernel_shape if self.quantization_mode == "int4" else \
            tuple(self._kernel.shape)
        self.lora_kernel_a = self.add_weight(
            name="lora_kernel_a", shape=tuple(shape[:-1]) + (rank,),
            initializer=initializers.get(a_initializer), dtype="float32",
            regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(
            name="lora_kernel_b", shape=(rank, shape[-1]),
            initializer=initializers.get(b_initializer), dtype="float32",
            regularizer=self.kernel_regularizer)
        self._set_weight_trainable(self._kernel, False)
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def call(self, inputs, training=None):
        if inputs.ndim != self._input_rank:
            raise ValueError(f'Input 0 of layer "{self.name}" (EinsumDense) is incompatible with '
                             f"the layer: expected ndim={self._input_rank}, received input with "
                             f"shape {tuple(inputs.shape)}")
        if self.quantization_mode is not None:
            x = self.quantized_call(inputs, training=training)
        else:
            x = ops.einsum(self.equation, inputs, self.cast_weight(self.kernel))
            if self.bias is not None:
                x = x + self.cast_weight(self.bias)
            if self.activation is not None:
                x = self.activation(x)
        if self.activity_regularizer is not None:
            self._activity_losses.append(self.activity_regularizer(x))
        return x

    def compute_output_shape(self, input_shape):
        _, _, full = analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                           self.partial_output_shape)
        return tuple(full)

    def get_config(self):
        return {**super().get_config(), "output_shape": list(self.partial_output_shape),
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
                "bias_regularizer": serialize(regularizers, self.bias_regularizer),
                "activity_regularizer": serialize(regularizers, self.activity_regularizer),
                "kernel_constraint": serialize(constraints, self.kernel_constraint),
                "bias_constraint": serialize(constraints, self.bias_constraint),
                "quantization_config": quantizers.serialize(self.quantization_config),
                **self._lora_config()}
