"""What the spatial reshaping layers (UpSampling, ZeroPadding, Cropping) share: the Keras forms
of per-side sizes and ``_Spatial`` (``data_format`` and rank checks)."""

from __future__ import annotations

import numpy as np

from ...ops._im2col import check_format
from .._checks import incompatible
from ..layer import Layer


def _is_size(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def int_tuple(value, n, name, allow_zero=False):
    """Keras's ``standardize_tuple``: an int (repeated ``n`` times) or exactly ``n`` ints, each
    positive (or non-negative with ``allow_zero``), with Keras's messages."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value!r}"
    if _is_size(value):
        out = (int(value),) * n
    else:
        if isinstance(value, str) or not isinstance(value, (tuple, list)) or len(value) != n:
            raise ValueError(msg)
        if not all(_is_size(v) for v in value):
            bad = next(v for v in value if not _is_size(v))
            raise ValueError(f"{msg} including element {bad!r} of type {type(bad).__name__}")
        out = tuple(int(v) for v in value)
    bad = sorted({v for v in out if v < 0 or (v == 0 and not allow_zero)})
    if bad:
        raise ValueError(f"{msg}, including values {bad} that do not satisfy "
                         f"`value {'>= 0' if allow_zero else '> 0'}`")
    return out


def _pair(value, name):
    return int_tuple(value, 2, name, allow_zero=True)


_ORDINALS = ("1st", "2nd", "3rd")


def _pairs(owner, name, value, rank):
    """Keras's forms of per-side sizes, with its messages: for one spatial axis an int or a
    (before, after) pair; for ``rank`` axes an int (all sides) or ``rank`` entries, each an int
    (both sides) or a pair. Returns ``rank`` (before, after) pairs."""
    if rank == 1:
        return (_pair(value, name),)
    count = "two" if rank == 2 else str(rank)
    if _is_size(value):
        if value < 0:
            raise ValueError(f"{owner}: `{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value),) * 2,) * rank
    if isinstance(value, (tuple, list, str)):
        if len(value) != rank:
            raise ValueError(f"{owner}: `{name}` should have {count} elements. Received: "
                             f"{name}={value!r}.")
        return tuple(_pair(v, f"{_ORDINALS[i]} entry of {name}") for i, v in enumerate(value))
    raise ValueError(f"{owner}: `{name}` should be either an int, a tuple of {rank} ints or a "
                     f"tuple of {rank} tuples of 2 ints (before, after). Received: "
                     f"{name}={value!r}.")


class _Spatial(Layer):
    rank = 2
    _takes_data_format = True  # Cropping1D and UpSampling1D have none (channels_last only)

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
        if self._takes_data_format:
            config["data_format"] = self.data_format
        return config
