"""``UpSampling1D``, ``UpSampling2D``, ``UpSampling3D``: repeat rows / columns / depth
(nearest) or interpolate (bilinear)."""

from __future__ import annotations

from ...ops._im2col import as_tuple
from ...ops.image import upsample as _upsample
from .base_spatial import _Spatial


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
