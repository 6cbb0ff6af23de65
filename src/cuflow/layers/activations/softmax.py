"""``Softmax``: softmax over an axis, with an optional mask."""

from __future__ import annotations

from ... import ops
from ..layer import Layer


class Softmax(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, mask=None):
        if mask is not None:
            # masked positions get -inf-like logits so they receive no probability
            inputs = ops.where(mask, inputs, -1e9)
        return ops.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
