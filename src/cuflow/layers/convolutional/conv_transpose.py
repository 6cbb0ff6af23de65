"""``Conv1DTranspose``, ``Conv2DTranspose``, ``Conv3DTranspose`` (and their ``Convolution*``
aliases): the adjoint of the convolution, as Keras's transposed convolutions."""

from __future__ import annotations

from ...ops._im2col import as_tuple, transpose_length
from ...ops.conv import conv_transpose as _conv_transpose
from .base_conv import _Conv, _positive


class _BaseConvTranspose(_Conv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        cls = type(self).__name__
        self.filters = _positive(cls, "filters", filters)
        self.output_padding = None if output_padding is None else as_tuple(
            cls, "output_padding", output_padding, self.rank, allow_zero=True)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{cls}: strides must be greater than output padding. Received "
                             f"strides={self.strides}, output_padding={self.output_padding}")

    def _out_channels(self, input_shape):
        return self.filters

    def _out_spatial(self, shape):
        ops = self.output_padding or (None,) * self.rank
        return tuple(transpose_length(s, k, st, d, self.padding, p) for s, k, st, d, p in
                     zip(self._spatial(shape), self.kernel_size, self.strides,
                         self.dilation_rate, ops))

    def _build_weights(self, in_ch):
        self.kernel = self._weight("kernel", "kernel", self.kernel_size + (self.filters, in_ch))
        self._make_bias(self.filters)

    def _forward(self, x):
        kernel, bias = self.cast_weight(self.kernel), self.cast_weight(self.bias)
        return _conv_transpose(x, kernel, self.strides, self.padding, self.output_padding,
                               self.dilation_rate, self.data_format, bias=bias)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "output_padding": self.output_padding}


class Conv1DTranspose(_BaseConvTranspose):
    rank = 1


class Conv2DTranspose(_BaseConvTranspose):
    rank = 2


class Conv3DTranspose(_BaseConvTranspose):
    rank = 3


# Keras aliases
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
