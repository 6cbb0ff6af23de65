"""``RMSNormalization``: x / sqrt(mean(x²) + epsilon) * scale over some axes (Keras 3)."""

from __future__ import annotations

from ... import ops
from ..layer import Layer
from .layer_normalization import as_float32_at_least, build_axes, call_axes, check_axis


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich 2019) with a learned ``scale`` over
    ``axis`` (an int or a list of ints); computed in float32 at least, output in the compute
    dtype."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = check_axis(axis)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        shape = build_axes(self, input_shape)
        self.scale = self.add_weight("scale", shape, "ones")

    def call(self, inputs):
        x = as_float32_at_least(inputs)
        axes, bshape = call_axes(self, x)
        out = x * ops.rsqrt(ops.mean(x * x, axis=axes, keepdims=True) + self.epsilon)
        out = out * ops.reshape(ops.cast(self.scale, x.dtype), bshape)
        return out if out.dtype == self.compute_dtype else ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
