"""``ELU``: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below."""

from __future__ import annotations

from ... import ops
from .._checks import number
from ..layer import Layer


class ELU(Layer):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = number("ELU", "alpha", alpha)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
