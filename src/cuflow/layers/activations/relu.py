"""``ReLU``: ``max(x, 0)`` with a cap, a negative slope and a threshold."""

from __future__ import annotations

from ... import activations
from ..layer import Layer


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"ReLU arguments must be numbers; received {value!r}")
    return value


class ReLU(Layer):
    """``max(x, 0)`` with Keras's ``max_value``, ``negative_slope`` and ``threshold``."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and _number(max_value) < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: "
                             f"max_value={max_value!r}")
        for name, value in (("negative_slope", negative_slope), ("threshold", threshold)):
            if value is None or _number(value) < 0.0:
                raise ValueError(f"{name} of a ReLU layer cannot be None or a negative value. "
                                 f"Received: {name}={value!r}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
