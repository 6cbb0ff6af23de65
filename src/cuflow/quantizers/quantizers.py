"""Quantizers and the quantize/pack arithmetic of ``keras.quantizers``.

``abs_max_quantize(x, axis)`` maps ``x`` to integers as Keras does: per slice along ``axis``,
``scale = value_range[1] / (max|x| + epsilon)``, ``q = clip(round(x * scale), *value_range)``;
``x ≈ q / scale``. ``pack_int4`` stores two signed int4 values per int8 byte (the first of each
pair of rows in the low nibble), ``unpack_int4`` undoes it.
"""

from __future__ import annotations

from .. import ops

EPSILON = 1e-7
_FLOAT8_MAX = {"float8_e4m3fn": 448.0, "float8_e5m2": 57344.0}


def _dtype_name(x):
    return str(getattr(x.dtype, "name", x.dtype))


class Quantizer:
    """Base quantizer: ``__call__(x)`` returns a quantized form of ``x``."""

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=EPSILON,
                     to_numpy=False):
    """``(quantized, scale)``: symmetric abs-max quantization along ``axis`` (kept as size 1)."""
    del to_numpy  # one path: the ops run wherever ``inputs`` lives
    inputs = ops.convert_to_tensor(inputs)
    in_dtype = _dtype_name(inputs)
    peak = ops.max(ops.abs(inputs), axis=axis, keepdims=True)
    scale = ops.cast(ops.divide(value_range[1], ops.add(peak, epsilon)), in_dtype)
    q = ops.clip(ops.round(ops.multiply(inputs, scale)), value_range[0], value_range[1])
    return ops.cast(q, dtype), scale


class AbsMaxQuantizer(Quantizer):
    """``quantizer(x, axis=None) -> (quantized, scale)`` by :func:`abs_max_quantize`."""

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=EPSILON,
                 output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        if axis is not None:
            axis = (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis = axis
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (self.value_range[0] < -128 or self.value_range[1] > 127):
            raise ValueError(f"Quantizer with output_dtype='int8' requires value_range to be "
                             f"within the interval [-128, 127]. Received: "
                             f"value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        axis = self.axis if axis is None else axis
        return abs_max_quantize(x, -1 if axis is None else axis, self.value_range,
                                self.output_dtype, self.epsilon, to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The new float8 scale from the running ``amax`` (Transformer Engine's rule)."""
    inv = ops.reciprocal(scale)
    usable = ops.logical_and(ops.greater(amax, 0.0), ops.isfinite(amax))
    safe = ops.where(usable, amax, 1.0)  # (no division by zero where the old scale stays)
    sf = ops.divide(ops.divide(dtype_max, safe), 2 ** margin)
    return ops.reciprocal(ops.where(usable, sf, inv))


def compute_float8_amax_history(x, amax_history):
    """``amax_history`` rolled by one with ``max|x|`` written at position 0."""
    update = ops.reshape(ops.cast(ops.max(ops.abs(x)), _dtype_name(amax_history)), (1,))
    rolled = ops.roll(amax_history, shift=-1)
    return ops.concatenate([update, rolled[1:]], axis=0)


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """``inputs / scale`` clipped to ``quantized_dtype``'s range, then times ``scale``.

    NumPy and CuPy have no float8 arrays: the value is rounded to the float8 grid by
    emulation (``ml_dtypes`` semantics: round to nearest even, saturating at the clip).
    """
    if quantized_dtype not in _FLOAT8_MAX:
        raise ValueError(f"quantize_and_dequantize: unsupported quantized_dtype "
                         f"{quantized_dtype!r}; expected one of {sorted(_FLOAT8_MAX)}")
    qmax = _FLOAT8_MAX[quantized_dtype]
    scale = ops.cast(scale, compute_dtype)
    x = ops.clip(ops.divide(ops.cast(inputs, compute_dtype), scale), -qmax, qmax)
    x = _round_to_float8(x, quantized_dtype)
    return ops.multiply(x, scale)


def _round_to_float8(x, dtype):
    """Round float values to the nearest representable float8 value (ties to even)."""
    mant_bits, min_exp = (3, -6) if dtype == "float8_e4m3fn" else (2, -14)
    mag = ops.abs(x)
    # exponent of each value, floored at the subnormal exponent
    safe = ops.maximum(mag, 2.0 ** min_exp)
    exp = ops.floor(ops.log2(safe))
    step = ops.power(2.0, ops.subtract(exp, mant_bits))
    step = ops.cast(step, _dtype_name(x))
    return ops.multiply(ops.round(ops.divide(x, step)), step)


def _to_signed_int4(x):
    eight = ops.cast(8, _dtype_name(x))
    return ops.subtract(ops.bitwise_xor(x, eight), eight)


def pack_int4(arr, axis=0, dtype="int8"):
    """``(packed, packed_shape, orig_len)``: pairs of int4 values along ``axis`` in one byte."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    arr = ops.convert_to_tensor(arr)
    if _dtype_name(arr) != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {_dtype_name(arr)}.")
    rank = len(arr.shape)
    axis = axis + rank if axis < 0 else axis
    moved = ops.moveaxis(arr, axis, 0)
    n = int(moved.shape[0])
    if n % 2:
        moved = ops.concatenate([moved, ops.zeros((1,) + tuple(moved.shape[1:]), dtype=dtype)],
                                axis=0)
    mask = ops.cast(0x0F, dtype)
    low = ops.bitwise_and(moved[::2], mask)
    high = ops.bitwise_and(moved[1::2], mask)
    packed = ops.cast(ops.bitwise_or(low, ops.left_shift(high, ops.cast(4, dtype))), dtype)
    packed = ops.moveaxis(packed, 0, axis)
    return packed, tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """The int8 tensor (values in [-8, 7]) that :func:`pack_int4` packed along ``axis``."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    packed = ops.convert_to_tensor(packed)
    if _dtype_name(packed) not in ("int8", "uint8"):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {packed.dtype}")
    rank = len(packed.shape)
    axis = axis + rank if axis < 0 else axis
    moved = ops.moveaxis(packed, axis, 0)
    mask = ops.cast(0x0F, _dtype_name(packed))
    low = ops.bitwise_and(moved, mask)
    high = ops.bitwise_and(ops.right_shift(moved, ops.cast(4, _dtype_name(packed))), mask)
    if dtype == "int8":
        low, high = _to_signed_int4(low), _to_signed_int4(high)
    stacked = ops.stack([ops.cast(low, dtype), ops.cast(high, dtype)], axis=1)
    out = ops.reshape(stacked, (-1,) + tuple(moved.shape[1:]))[:orig_len]
    return ops.moveaxis(out, 0, axis)


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7),
                                             dtype="int8", epsilon=EPSILON, to_numpy=False):
    """``(quantized, scale, zero)`` for a 2-D ``(input_dim, output_dim)`` tensor: asymmetric
    quantization per group of ``block_size`` rows and per column.

    For each group: ``scale = (max - min + epsilon) / (2**bits - 1)``,
    ``zero = clip(round(-min / scale) + qmin, qmin, qmax)``,
    ``q = clip(round(x / scale) + zero, qmin, qmax)``; ``x ≈ (q - zero) * scale``.
    ``scale`` and ``zero`` have shape ``(ceil(input_dim / block_size), output_dim)``.
    """
    del to_numpy
    inputs = ops.convert_to_tensor(inputs)
    in_dtype = _dtype_name(inputs)
    input_dim, output_dim = int(inputs.shape[0]), int(inputs.shape[1])
    qmin, qmax = value_range
    bits = (qmax - qmin + 1).bit_length() - 1
    n_groups = -(-input_dim // block_size)
    pad = n_groups * block_size - input_dim
    padded = inputs if pad == 0 else ops.concatenate(
        [inputs, ops.zeros((pad, output_dim), dtype=in_dtype)], axis=0)
    grouped = ops.reshape(padded, (n_groups, block_size, output_dim))
    if n_groups > 1:
        lo, hi = ops.min(grouped, axis=1), ops.max(grouped, axis=1)
    else:  # one group: over the real rows only
        lo = ops.min(inputs, axis=0, keepdims=True)
        hi = ops.max(inputs, axis=0, keepdims=True)
    same = ops.equal(lo, hi)
    lo = ops.where(same, ops.subtract(lo, 1.0), lo)
    hi = ops.where(same, ops.add(hi, 1.0), hi)
    scale = ops.divide(ops.add(ops.subtract(hi, lo), epsilon), float(2 ** bits - 1))
    scale = ops.cast(ops.where(ops.less_equal(scale, 0.0), 1e-8, scale), in_dtype)
    zero = ops.clip(ops.add(ops.round(ops.divide(ops.negative(lo), scale)), qmin), qmin, qmax)
    q = ops.add(ops.round(ops.divide(grouped, ops.expand_dims(scale, 1))),
                ops.expand_dims(zero, 1))
    q = ops.cast(ops.clip(q, qmin, qmax), dtype)
    q = ops.reshape(q, (n_groups * block_size, output_dim))[:input_dim]
    return q, scale, ops.cast(zero, "int8")


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """``(weights - zero[g]) * scale[g]`` with each position's group ``g`` from ``g_idx``."""
    groups = ops.cast(g_idx, "int32")
    scales = ops.take(scale, groups, axis=group_axis)
    zeros = ops.cast(ops.take(zero, groups, axis=group_axis), _dtype_name(scales))
    return ops.multiply(ops.subtract(ops.cast(weights_matrix, _dtype_name(scales)), zeros),
                        scales)
