"""``Conv1D``, ``Conv2D``, ``Conv3D`` (and their ``Convolution*`` aliases); the math is in
``cuflow.ops.conv``."""

from __future__ import annotations

from ...ops.conv import conv as _conv
from .base_conv import _Conv, _positive


class _BaseConv(_Conv):
    _FUSES_ACTIVATION = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        cls = type(self).__name__
        self.filters = _positive(cls, "filters", filters)
        self.groups = _positive(cls, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(f"{cls}: the number of filters must be evenly divisible by the "
                             f"number of groups. Received: groups={groups}, filters={filters}")

    def _out_channels(self, input_shape):
        return self.filters

    def _build_weights(self, in_ch):
        if in_ch % self.groups:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}): the number of input '
                             f"channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, input channels={in_ch}")
        self.kernel = self._weight("kernel", "kernel",
                                   self.kernel_size + (in_ch // self.groups, self.filters))
        self._make_bias(self.filters)

    def _forward(self, x):
        kernel, bias = self.cast_weight(self.kernel), self.cast_weight(self.bias)
        return _conv(x, kernel, self.strides, self.padding, self.dilation_rate, self.groups,
                     self.data_format, bias=bias, activation=self._fused)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups}


class Conv1D(_BaseConv):
    """1D convolution; padding may also be 'causal' (output t sees inputs <= t)."""

    rank = 1
    _PADDINGS = ("valid", "same", "causal")

    def _out_spatial(self, shape):
        if self.padding != "causal":
            return super()._out_spatial(shape)
        return self._spatial(shape)  # causal keeps the length (stride 1) or ceil(len / stride)

    def compute_output_shape(self, input_shape):
        if self.padding != "causal":
            return super().compute_output_shape(input_shape)
        self._check_input(input_shape, built=False)
        (n,) = self._spatial(input_shape)
        n = None if n is None else -(-n // self.strides[0])
        return self._with_channels(input_shape[0], (n,), self.filters)


class Conv2D(_BaseConv):
    rank = 2


class Conv3D(_BaseConv):
    rank = 3


# Keras aliases
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
