"""What the pooling layers share: ``_Pooling`` (windows over 1-3 spatial axes) and
``_GlobalPooling`` (a reduction over all of them)."""

from __future__ import annotations

from ... import ops
from ...ops._im2col import as_tuple, check_format, check_padding, output_length
from .._checks import incompatible
from ..layer import Layer


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
        self._build_at_init()

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


def _pooling(name, op, rank, default, module):
    def __init__(self, pool_size=default, strides=None, padding="valid", data_format=None,
                 **kwargs):
        _Pooling.__init__(self, pool_size, strides, padding, data_format, **kwargs)

    return type(name, (_Pooling,), {"rank": rank, "_op": staticmethod(op),
                                    "__init__": __init__, "__module__": module,
                                    "__doc__": f"{name} (Keras 3 arguments and defaults)."})


class _GlobalPooling(Layer):
    rank = 2
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_format(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)
        self._build_at_init()

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
