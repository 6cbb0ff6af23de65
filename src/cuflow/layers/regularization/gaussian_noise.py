"""``GaussianNoise``: add N(0, stddev) noise while training; the identity otherwise."""

from __future__ import annotations

from ...ops.nn.noise import gaussian_noise as _gaussian_noise
from ..layer import Layer


class GaussianNoise(Layer):
    """Adds N(0, stddev^2) noise while training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) or stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be a non-negative number; received "
                             f"{stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        return _gaussian_noise(inputs, self.stddev)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
