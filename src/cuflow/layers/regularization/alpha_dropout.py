"""``AlphaDropout``: dropout that keeps a SELU network self-normalising."""

from __future__ import annotations

from ... import ops
from .._checks import dropout_rate
from .._checks import noise_shape as _noise_shape
from ..layer import Layer

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout that keeps a SELU network self-normalising: dropped units are set to SELU's
    negative saturation ``alpha_p = -alpha * scale`` and the result is mapped by ``a * x + b``
    so mean and variance are preserved (Klambauer et al. 2017, Keras 3's formula)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate("AlphaDropout", rate)
        self.noise_shape = _noise_shape(noise_shape)
        self.seed = seed
        self.supports_masking = True
        self._build_at_init()

    def _keep_mask(self, inputs):
        """1.0 where a unit is kept, 0.0 where dropped, in the noise shape (device-side draw
        from the backend's generator, as ``Dropout``)."""
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            if len(self.noise_shape) != inputs.ndim:
                raise ValueError(f'layer "{self.name}" (AlphaDropout): noise_shape '
                                 f"{self.noise_shape} does not match the input rank; received "
                                 f"input shape {shape}")
            shape = tuple(s if n is None else int(n) for s, n in zip(shape, self.noise_shape))
        ones = ops.ones_like(inputs[tuple(slice(0, s) for s in shape)])
        return ops.cast(ops.greater(ops.dropout(ones, self.rate, training=True), 0.0),
                        inputs.dtype)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1.0:
            raise ValueError(f'layer "{self.name}" (AlphaDropout): rate=1.0 drops every unit, '
                             f"so the affine correction is undefined; received rate=1.0")
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        kept = self._keep_mask(inputs)
        x = inputs * kept + alpha_p * (1.0 - kept)
        return x * a + b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape)}
