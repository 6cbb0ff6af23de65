"""Pooling layers: Max/AveragePooling1D/2D/3D and Global Max/Average Pooling1D/2D/3D (+ the
Keras aliases MaxPool2D, AvgPool2D, GlobalAvgPool2D, ...)."""

from __future__ import annotations

from .. import ops
from ..ops._im2col import as_tuple, check_format, check_padding, output_length
from ..ops.pooling import avg_pool as _avg_pool
from ..ops.pooling import max_pool as _max_pool
from .base import Layer
from .core import incompatible


def _check_rank(layer, shape, rank):
    if len(shape) != rank + 2:
        raise incompatible(layer, f"ndim={rank + 2}", shape)


class _Pooling(Layer):
    rank = 2
    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = as_tuple(cls, "pool_size", pool_size, self.rank)
        self.strides = self.pool_size if strides is None else as_tuple(cls, "strides", strides,
                                                                       self.rank)
        self.padding = check_padding(cls, padding)
        self.data_format = check_format(cls, data_format)

    def _spatial_axes(self):
        return tuple(range(1, self.rank + 1)) if self.data_format == "channels_last" else \
            tuple(range(2, self.rank + 2))

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape, self.rank)
        out = list(input_shape)
        for ax, k, s in zip(self._spatial_axes(), self.pool_size, self.strides):
            o = output_length(input_shape[ax], k, s, 1, self.padding)
            if o is not None and o <= 0:
                raise ValueError(f'layer "{self.name}" ({type(self).__name__}): pool_size '
                                 f"{self.pool_size} is larger than the input's spatial size; "
                                 f"received input shape {tuple(input_shape)} with "
                                 f"padding={self.padding!r}")
            out[ax] = o
        return tuple(out)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # validates rank and size with a named error
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding,
                              self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


def _pooling(name, op, rank, default):
    def __init__(self, pool_size=default, strides=None, padding="valid", data_format=None,
                 **kwargs):
        _Pooling.__init__(self, pool_size, strides, padding, data_format, **kwargs)

    return type(name, (_Pooling,), {"rank": rank, "_op": staticmethod(op),
                                    "__init__": __init__, "__module__": __name__,
                                    "__doc__": f"{name} (Keras 3 arguments and defaults)."})


MaxPooling1D = _pooling("MaxPooling1D", _max_pool, 1, 2)
MaxPooling2D = _pooling("MaxPooling2D", _max_pool, 2, (2, 2))
MaxPooling3D = _pooling("MaxPooling3D", _max_pool, 3, (2, 2, 2))
AveragePooling1D = _pooling("AveragePooling1D", _avg_pool, 1, 2)
AveragePooling2D = _pooling("AveragePooling2D", _avg_pool, 2, (2, 2))
AveragePooling3D = _pooling("AveragePooling3D", _avg_pool, 3, (2, 2, 2))


class _GlobalPooling(Layer):
    rank = 2
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_format(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)

    def _axes(self):
        return tuple(range(1, self.rank + 1)) if self.data_format == "channels_last" else \
            tuple(range(2, self.rank + 2))

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape, self.rank)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def call(self, inputs):
        _check_rank(self, inputs.shape, self.rank)
        return getattr(ops, self._reduce)(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over time; with a mask (batch, steps) only unmasked steps count, as Keras."""

    rank, _reduce = 1, "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        _check_rank(self, inputs.shape, self.rank)
        axis = self._axes()[0]
        m = ops.cast(mask, inputs.dtype)
        m = ops.expand_dims(m, -1 if self.data_format == "channels_last" else 1)
        total = ops.sum(inputs * m, axis=axis, keepdims=self.keepdims)
        return total / ops.sum(m, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    rank, _reduce = 2, "mean"


class GlobalAveragePooling3D(_GlobalPooling):
    rank, _reduce = 3, "mean"


class GlobalMaxPooling1D(_GlobalPooling):
    rank, _reduce = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    rank, _reduce = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    rank, _reduce = 3, "max"


# Keras aliases
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
