"""What the pooling layers share: ``_Pooling`` (windows over 1-3 spatial axes),
``_GlobalPooling`` (a reduction over all of them) and ``_AdaptivePooling`` (windows sized to
reach a fixed output size)."""

from __future__ import annotations

import numpy as np

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


class _AdaptivePooling(Layer):
    """Pools the spatial axes to ``output_size`` whatever the input size (Keras 3's
    Adaptive{Average,Max}Pooling{1,2,3}D); ``_op`` is the ``cuflow.ops`` function."""

    rank = 2
    _op = None
    _axes_words = {1: "1 integer", 2: "(height, width) tuple", 3: "(depth, height, width) tuple"}

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
            output_size = (int(output_size),) * self.rank
        elif isinstance(output_size, (tuple, list)):
            if len(output_size) != self.rank:
                error = ValueError if self.rank == 1 else TypeError
                raise error(f"{cls}: `output_size` must be an integer or "
                            f"{self._axes_words[self.rank]}. Received: {output_size!r}")
            output_size = tuple(output_size)
        else:
            raise TypeError(f"{cls}: `output_size` must be an integer or "
                            f"{self._axes_words[self.rank]}. Received: {output_size!r} of type "
                            f"{type(output_size)}")
        for v in output_size:
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{cls}: `output_size` entries must be positive integers. "
                                 f"Received: output_size={output_size!r}")
        self.output_size = tuple(int(v) for v in output_size)
        self.data_format = check_format(cls, data_format)

    def compute_output_shape(self, input_shape):
        _check_rank(self, input_shape, self.rank)
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def call(self, inputs):
        _check_rank(self, inputs.shape, self.rank)
        return type(self)._op(inputs, self.output_size, self.data_format)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


def _adaptive(name, op, rank, module, doc):
    return type(name, (_AdaptivePooling,), {"rank": rank, "_op": staticmethod(op),
                                            "__module__": module, "__doc__": doc})
