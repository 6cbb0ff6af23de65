"""``ReLU``: ``max(x, 0)`` with a cap, a negative slope and a threshold."""

from __future__ import annotations

from ... import ops
from .._checks import number
from ..layer import Layer


class ReLU(Layer):
    """``max(x, 0)`` with Keras's ``max_value``, ``negative_slope`` and ``threshold``."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = number("ReLU", "max_value", max_value, 0.0)
        self.negative_slope = number("ReLU", "negative_slope", negative_slope, 0.0)
        self.threshold = number("ReLU", "threshold", threshold)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return ops.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                        threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
