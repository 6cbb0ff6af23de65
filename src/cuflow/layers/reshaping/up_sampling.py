"""``UpSampling1D``, ``UpSampling2D``, ``UpSampling3D``: repeat rows / columns / depth
(nearest) or interpolate (bilinear)."""

from __future__ import annotations

import numpy as np

from ...ops.image import INTERPOLATIONS
from ...ops.image import upsample as _upsample
from .base_spatial import _Spatial, int_tuple


class _UpSampling(_Spatial):
    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        cls = type(self).__name__
        if self.rank == 1:  # Keras's UpSampling1D takes one int and says so
            if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
                raise TypeError(f"{cls}: Expected an integer value for `size`, got "
                                f"{type(size)}.")
            if size <= 0:
                raise ValueError(f"{cls}: Argument `size` should be a positive integer. "
                                 f"Received: size={size}")
            self.size = (int(size),)
        else:
            self.size = int_tuple(size, self.rank, "size")
        allowed = INTERPOLATIONS if self.rank == 2 else ("nearest",)
        name = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if name not in allowed:
            raise ValueError(f"{cls}: interpolation must be one of {allowed}; received "
                             f"{interpolation!r}")
        self.interpolation = name

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
    _takes_data_format = False

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
