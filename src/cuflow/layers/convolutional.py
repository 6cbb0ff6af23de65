"""Convolution layers (Keras 3 names, arguments, defaults, weight names and configs).

Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv1D/2D, SeparableConv1D/2D and their
``Convolution*`` aliases. The math is in ``cuflow.ops.conv``; these classes validate, own the
weights and compute shapes.
"""

from __future__ import annotations

from .. import activations, constraints, initializers, regularizers
from ..ops._im2col import (
    as_tuple,
    check_format,
    check_padding,
    output_length,
    transpose_length,
)
from ..ops.conv import conv as _conv
from ..ops.conv import conv_transpose as _conv_transpose
from ..ops.conv import depthwise_conv as _depthwise_conv
from .base import Layer
from .core import fusable_activation, incompatible

_SER = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}


def _positive(owner, name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer; received {value!r}")
    return value


class DataFormatShapes:
    """Shape helpers of layers with a ``data_format`` (channels_last or channels_first)."""

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def _with_channels(self, batch, spatial, channels):
        if self.data_format == "channels_last":
            return (batch,) + tuple(spatial) + (channels,)
        return (batch, channels) + tuple(spatial)


class _Conv(DataFormatShapes, Layer):
    """What every convolution shares: geometry arguments, activation, bias, shape checks.

    Subclasses name their weights in ``_WEIGHTS`` (attribute prefixes such as 'kernel',
    'depthwise', 'pointwise', 'bias'), each with an initializer/regularizer/constraint."""

    rank = 2
    _WEIGHTS = ("kernel", "bias")
    _FUSES_ACTIVATION = False  # True where _forward passes activation=self._fused to the op
    _PADDINGS = ("valid", "same")

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, activity_regularizer=None,
                 **kwargs):
        cls = type(self).__name__
        # per-weight (initializer, regularizer, constraint), Keras's keyword names
        specs = {}
        for w in self._WEIGHTS:
            for kind, mod in _SER.items():
                key = f"{w}_{kind}"
                default = ("zeros" if w == "bias" else "glorot_uniform") \
                    if kind == "initializer" else None
                specs[key] = mod.get(kwargs.pop(key, default))
        kwargs.pop("lora_rank", None)  # LoRA is not supported; None is Keras's default
        super().__init__(**kwargs)
        for key, value in specs.items():
            setattr(self, key, value)
        n = self.rank
        self.kernel_size = as_tuple(cls, "kernel_size", kernel_size, n)
        self.strides = as_tuple(cls, "strides", strides, n)
        self.dilation_rate = as_tuple(cls, "dilation_rate", dilation_rate, n)
        self.padding = check_padding(cls, padding, self._PADDINGS)
        self.data_format = check_format(cls, data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: `strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        # built-in activations at their defaults run inside the conv node (fused epilogue)
        self._fused = fusable_activation(self.activation) if self._FUSES_ACTIVATION else None
        self.use_bias = bool(use_bias)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ---- shapes ------------------------------------------------------------------------------
    def _check_input(self, shape, built=True):
        n = self.rank
        if len(shape) != n + 2:
            where = "(batch, *spatial, channels)" if self.data_format == "channels_last" \
                else "(batch, channels, *spatial)"
            raise incompatible(self, f"ndim={n + 2} {where}", shape)
        ch = shape[self._channel_axis()]
        if ch is None:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}) needs a known channel '
                             f"dimension; received input shape {tuple(shape)}")
        if built and ch != self._in_channels:
            raise incompatible(self, f"axis {self._channel_axis()} of input shape to have value "
                                     f"{self._in_channels}", shape)
        return ch

    def _out_spatial(self, shape):
        out = tuple(output_length(s, k, st, d, self.padding) for s, k, st, d in
                    zip(self._spatial(shape), self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}): kernel_size '
                             f"{self.kernel_size} with dilation_rate {self.dilation_rate} is "
                             f"larger than the input's spatial size {self._spatial(shape)} with "
                             f"padding={self.padding!r}; received input shape {tuple(shape)}")
        return out

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape, built=False)
        return self._with_channels(input_shape[0], self._out_spatial(input_shape),
                                   self._out_channels(input_shape))

    # ---- weights -----------------------------------------------------------------------------
    def _weight(self, name, prefix, shape):
        return self.add_weight(name, shape, getattr(self, f"{prefix}_initializer"),
                               regularizer=getattr(self, f"{prefix}_regularizer"),
                               constraint=getattr(self, f"{prefix}_constraint"))

    def _make_bias(self, channels):
        self.bias = self._weight("bias", "bias", (channels,)) if self.use_bias else None

    def build(self, input_shape):
        self._in_channels = self._check_input(input_shape, built=False)
        self._out_spatial(input_shape)
        self._build_weights(self._in_channels)

    def _finish(self, out):
        if self._fused is None:
            out = self.activation(out)
        if self.activity_regularizer is not None:
            self._activity_losses.append(self.activity_regularizer(out))
        return out

    def call(self, inputs):
        self._check_input(inputs.shape)
        self._out_spatial(inputs.shape)
        return self._finish(self._forward(inputs))

    def get_config(self):
        config = {**super().get_config(), "kernel_size": self.kernel_size,
                  "strides": self.strides, "padding": self.padding,
                  "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                  "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias,
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer)}
        for w in self._WEIGHTS:
            for kind, mod in _SER.items():
                key = f"{w}_{kind}"
                config[key] = mod.serialize(getattr(self, key))
        return config


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
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
