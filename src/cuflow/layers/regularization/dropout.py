"""``Dropout``: zero a random fraction of the inputs while training, scaling the rest."""

from __future__ import annotations

from ... import ops
from .._checks import dropout_rate
from .._checks import noise_shape as _noise_shape
from ..layer import Layer


class Dropout(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate("Dropout", rate)
        self.noise_shape = _noise_shape(noise_shape)
        self.seed = seed
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1.0:
            return inputs * 0.0
        return ops.dropout(inputs, self.rate, training=True, noise_shape=self.noise_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}
