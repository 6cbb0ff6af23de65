"""``ZeroPadding1D``, ``ZeroPadding2D``, ``ZeroPadding3D``: pad the spatial axes with zeros."""

from __future__ import annotations

from ... import ops
from .base_spatial import _pairs, _Spatial


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

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
