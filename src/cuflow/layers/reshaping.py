"""Spatial reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops._im2col import as_tuple, check_format
from ..ops.image import upsample as _upsample
from .base import Layer
from .core import incompatible


def _pairs(owner, name, value, rank):
    """Keras's forms: int (all sides), ``rank`` ints (symmetric per axis) or ``rank`` pairs."""
    def ok(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0

    if ok(value):
        return ((int(value),) * 2,) * rank
    if rank == 1 and isinstance(value, (tuple, list)) and len(value) == 2 and all(map(ok, value)):
        return (tuple(int(v) for v in value),)
    if isinstance(value, (tuple, list)) and len(value) == rank:
        out = []
        for v in value:
            if ok(v):
                out.append((int(v), int(v)))
            elif isinstance(v, (tuple, list)) and len(v) == 2 and all(map(ok, v)):
                out.append((int(v[0]), int(v[1])))
            else:
                break
        else:
            return tuple(out)
    raise ValueError(f"{owner}: {name} must be a non-negative int, a tuple of {rank} ints or a "
                     f"tuple of {rank} (before, after) pairs; received {value!r}")


class _Spatial(Layer):
    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_format(type(self).__name__, data_format)

    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def _check(self, shape):
        if len(shape) != self.rank + 2:
            raise incompatible(self, f"ndim={self.rank + 2}", shape)

    def get_config(self):
        config = super().get_config()
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class _UpSampling(_Spatial):
    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        cls = type(self).__name__
        self.size = as_tuple(cls, "size", size, self.rank)
        allowed = ("nearest", "bilinear") if self.rank == 2 else ("nearest",)
        if interpolation not in allowed:
            raise ValueError(f"{cls}: interpolation must be one of {allowed}; received "
                             f"{interpolation!r}")
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = list(input_shape)
        for ax, s in zip(self._axes(), self.size):
            out[ax] = None if out[ax] is None else out[ax] * s
        return tuple(out)

    def call(self, inputs):
        self._check(inputs.shape)
        return _upsample(inputs, self.size, self.interpolation, self.data_format)


class UpSampling1D(_UpSampling):
    """Repeat each time step ``size`` times."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, None, "nearest", **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(type(self).__name__, "padding", padding, self.rank)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = list(input_shape)
        for ax, (b, a) in zip(self._axes(), self.padding):
            out[ax] = None if out[ax] is None else out[ax] + b + a
        return tuple(out)

    def call(self, inputs):
        self._check(inputs.shape)
        pads = [[0, 0] for _ in range(inputs.ndim)]
        for ax, p in zip(self._axes(), self.padding):
            pads[ax] = list(p)
        return ops.pad(inputs, pads)

    def get_config(self):
        pad = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": pad}


class ZeroPadding1D(_ZeroPadding):
    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, None, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(type(self).__name__, "cropping", cropping, self.rank)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = list(input_shape)
        for ax, (b, a) in zip(self._axes(), self.cropping):
            if out[ax] is None:
                continue
            if b + a >= out[ax]:
                raise ValueError(f'layer "{self.name}" ({type(self).__name__}): cropping '
                                 f"{self.cropping} must be smaller than the input's spatial "
                                 f"size; received input shape {tuple(input_shape)}")
            out[ax] -= b + a
        return tuple(out)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        index = [slice(None)] * inputs.ndim
        for ax, (b, a) in zip(self._axes(), self.cropping):
            index[ax] = slice(b, inputs.shape[ax] - a)
        return ops.getitem(inputs, tuple(index))

    def get_config(self):
        crop = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": crop}


class Cropping1D(_Cropping):
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
