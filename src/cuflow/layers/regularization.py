"""Regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
ActivityRegularization. Noise layers are the identity outside training, as Keras."""

from __future__ import annotations

from .. import ops, regularizers
from ..ops._im2col import check_format
from ..ops.nn.noise import gaussian_dropout as _gaussian_dropout
from ..ops.nn.noise import gaussian_noise as _gaussian_noise
from .base import Layer
from .core import incompatible


def _rate(owner, rate):
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ValueError(f"{owner}: rate must be a number in [0, 1]; received {rate!r}")
    return float(rate)


class _SpatialDropout(Layer):
    """Drops whole feature maps (one Bernoulli draw per sample and channel), scaling the rest by
    1 / (1 - rate): neighbouring pixels are correlated, so per-element dropout barely
    regularises a convolution."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(type(self).__name__, rate)
        self.data_format = check_format(type(self).__name__, data_format)
        self.seed = seed
        self.supports_masking = True

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

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        return _gaussian_noise(inputs, self.stddev)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by N(1, rate / (1 - rate)) noise while training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate("GaussianDropout", rate)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        return _gaussian_dropout(inputs, self.rate)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x^2)`` of its input to the losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self.supports_masking = True

    def call(self, inputs):
        self._activity_losses.append(self.activity_regularizer(inputs))
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout that keeps a SELU network self-normalising: dropped units are set to SELU's
    negative saturation ``alpha_p = -alpha * scale`` and the result is mapped by ``a * x + b``
    so mean and variance are preserved (Klambauer et al. 2017, Keras 3's formula)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

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
