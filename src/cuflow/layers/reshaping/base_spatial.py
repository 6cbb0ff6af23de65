"""What the spatial reshaping layers (UpSampling, ZeroPadding, Cropping) share: the Keras forms
of per-side sizes and ``_Spatial`` (``data_format`` and rank checks)."""

from __future__ import annotations

import numpy as np

from ...ops._im2col import check_format
from .._checks import incompatible
from ..layer import Layer


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
