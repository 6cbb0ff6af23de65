"""Sorting and searching: sort, argsort, argpartition, searchsorted."""

from __future__ import annotations

import numpy as np

from .._core import const, is_int, single_axis, to_tensor
from .indexing import take_along_axis
from .shape import reshape


def _stable_argsort(xp, a, axis):
    # NumPy needs kind="stable" for ties in input order; CuPy's sort is always stable
    return xp.argsort(a, axis=axis, kind="stable") if xp is np else xp.argsort(a, axis=axis)


def argsort(x, axis=-1):
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = single_axis("argsort", axis, x.ndim)
    out = _stable_argsort(x._backend.xp, x.data, ax).astype("int64")
    return const(out, x._backend)


def sort(x, axis=-1):
    """Sorted values; the gradient flows back to each value's original position."""
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return take_along_axis(x, argsort(x, axis), axis)


def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` element along ``axis`` (int64)."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError("argpartition needs a tensor of rank >= 1; received a scalar")
    ax = single_axis("argpartition", axis, x.ndim)
    n = x.shape[ax]
    kths = list(kth) if isinstance(kth, (list, tuple)) else [kth]
    for k in kths:
        if not is_int(k) or not -n <= k < n:
            raise ValueError(f"argpartition: kth={kth!r} is out of range for axis {axis} of "
                             f"size {n}")
    out = x._backend.xp.argpartition(x.data, kth, axis=ax)
    return const(out.astype("int64"), x._backend)


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion indices of ``values`` into the 1-D ascending ``sorted_sequence`` (int64)."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right'; received {side!r}")
    s = to_tensor(sorted_sequence)
    v = to_tensor(values, s)
    if s.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D; received shape {s.shape}")
    return const(s._backend.xp.searchsorted(s.data, v.data, side=side).astype(np.int64),
                  s._backend)


__all__ = [
    "argpartition", "argsort", "searchsorted", "sort"
]
