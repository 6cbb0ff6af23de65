"""``SeparableConv1D``, ``SeparableConv2D`` (and their ``SeparableConvolution*`` aliases): a
depthwise convolution followed by a pointwise (1x1) one."""

from __future__ import annotations

from ...ops.conv import conv as _conv
from ...ops.conv import depthwise_conv as _depthwise_conv
from .base_conv import _Conv, _positive


class _BaseSeparableConv(_Conv):
    """Depthwise ('depthwise_kernel') then pointwise 1x1 ('pointwise_kernel') convolution."""

    _WEIGHTS = ("depthwise", "pointwise", "bias")

    _FUSES_ACTIVATION = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        cls = type(self).__name__
        self.filters = _positive(cls, "filters", filters)
        self.depth_multiplier = _positive(cls, "depth_multiplier", depth_multiplier)

    def _out_channels(self, input_shape):
        return self.filters

    def _build_weights(self, in_ch):
        mid = in_ch * self.depth_multiplier
        self.depthwise_kernel = self._weight(
            "depthwise_kernel", "depthwise", self.kernel_size + (in_ch, self.depth_multiplier))
        self.pointwise_kernel = self._weight("pointwise_kernel", "pointwise",
                                             (1,) * self.rank + (mid, self.filters))
        self._make_bias(self.filters)

    def _forward(self, x):
        y = _depthwise_conv(x, self.cast_weight(self.depthwise_kernel), self.strides,
                            self.padding, self.dilation_rate, self.data_format)
        return _conv(y, self.cast_weight(self.pointwise_kernel), 1, "valid", 1, 1,
                     self.data_format, bias=self.cast_weight(self.bias), activation=self._fused)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "depth_multiplier": self.depth_multiplier}


class SeparableConv1D(_BaseSeparableConv):
    rank = 1


class SeparableConv2D(_BaseSeparableConv):
    rank = 2


# Keras aliases
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
