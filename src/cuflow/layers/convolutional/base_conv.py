"""What every convolution layer shares: argument checks, ``data_format`` shape helpers and
``_Conv`` (weights, activation fused into the conv when the kernel allows, config)."""

from __future__ import annotations

import numpy as np

from ... import activations, constraints, initializers, regularizers
from ...ops._im2col import as_tuple, check_format, check_padding, output_length
from .._checks import incompatible
from ..core.dense import fusable_activation
from ..layer import Layer

_INTS = (int, np.integer)
_SER = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}


def _positive(owner, name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: Invalid value for argument `{name}`. Expected a strictly "
                         f"positive value. Received {name}={value!r}.")
    return value


def _positive_tuple(owner, name, value, n):
    """Keras's standardize_tuple check: an int or n ints, each > 0 (its message)."""
    values = (value,) * n if isinstance(value, _INTS) and not isinstance(value, bool) else value
    if not isinstance(values, (list, tuple)) or len(values) != n or not all(
            isinstance(v, _INTS) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{owner}: The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={value!r}")
    bad = {v for v in values if v <= 0}
    if bad:
        raise ValueError(f"{owner}: The `{name}` argument must be a tuple of {n} integers. "
                         f"Received {name}={tuple(value) if isinstance(value, list) else value}"
                         f", including values {bad} that do not satisfy `value > 0`")
    return tuple(values)


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
        for key in ("lora_rank", "lora_alpha"):  # LoRA: Conv1D/2D/3D only (None: Keras's default)
            if kwargs.get(key) is None:
                kwargs.pop(key, None)
        super().__init__(**kwargs)
        for key, value in specs.items():
            setattr(self, key, value)
        n = self.rank
        _positive_tuple(cls, "kernel_size", kernel_size, n)
        _positive_tuple(cls, "strides", strides, n)
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
