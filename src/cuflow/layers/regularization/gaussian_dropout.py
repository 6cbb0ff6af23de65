"""``GaussianDropout``: multiply by N(1, rate / (1 - rate)) noise while training."""

from __future__ import annotations

from ...ops.nn.noise import gaussian_dropout as _gaussian_dropout
from .._checks import dropout_rate
from ..layer import Layer


class GaussianDropout(Layer):
    """Multiplies by N(1, rate / (1 - rate)) noise while training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate("GaussianDropout", rate)
        self.seed = seed
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        return _gaussian_dropout(inputs, self.rate)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
