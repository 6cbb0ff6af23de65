"""``SpatialDropout1D``, ``SpatialDropout2D``, ``SpatialDropout3D``: dropout of whole feature
maps; the identity outside training, as Keras."""

from __future__ import annotations

from ... import ops
from ...ops._im2col import check_format
from .._checks import dropout_rate, incompatible
from ..layer import Layer


class _SpatialDropout(Layer):
    """Drops whole feature maps (one Bernoulli draw per sample and channel), scaling the rest by
    1 / (1 - rate): neighbouring pixels are correlated, so per-element dropout barely
    regularises a convolution."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate(type(self).__name__, rate)
        self.data_format = check_format(type(self).__name__, data_format)
        self.seed = seed
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=None):
        if inputs.ndim != self.rank + 2:
            raise incompatible(self, f"ndim={self.rank + 2}", inputs.shape)
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1.0:
            return inputs * 0.0
        b = inputs.shape[0]
        if self.data_format == "channels_last":
            noise = (b,) + (1,) * self.rank + (inputs.shape[-1],)
        else:
            noise = (b, inputs.shape[1]) + (1,) * self.rank
        return ops.dropout(inputs, self.rate, training=True, noise_shape=noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, None, seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    rank = 3
