"""``DepthwiseConv1D``, ``DepthwiseConv2D``: one filter set per input channel."""

from __future__ import annotations

from ...ops.conv import depthwise_conv as _depthwise_conv
from .base_conv import _Conv, _positive


class _BaseDepthwiseConv(_Conv):
    """Weight 'kernel' of shape (*kernel_size, in_channels, depth_multiplier), as Keras 3."""

    _WEIGHTS = ("depthwise", "bias")

    _FUSES_ACTIVATION = True

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        self.depth_multiplier = _positive(type(self).__name__, "depth_multiplier",
                                          depth_multiplier)

    def _out_channels(self, input_shape):
        return input_shape[self._channel_axis()] * self.depth_multiplier

    def _build_weights(self, in_ch):
        self.kernel = self._weight("kernel", "depthwise",
                                   self.kernel_size + (in_ch, self.depth_multiplier))
        self._make_bias(in_ch * self.depth_multiplier)

    @property
    def depthwise_kernel(self):  # the Keras 2 attribute name
        return self.kernel

    def _forward(self, x):
        kernel, bias = self.cast_weight(self.kernel), self.cast_weight(self.bias)
        return _depthwise_conv(x, kernel, self.strides, self.padding, self.dilation_rate,
                               self.data_format, bias=bias, activation=self._fused)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier}


class DepthwiseConv1D(_BaseDepthwiseConv):
    rank = 1


class DepthwiseConv2D(_BaseDepthwiseConv):
    rank = 2
