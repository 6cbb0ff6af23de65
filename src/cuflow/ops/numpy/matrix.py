"""Diagonals and triangles of matrices: diag, diagonal, diagflat, trace, tril, triu."""

from __future__ import annotations

import builtins

import numpy as np

from .._core import record, single_axis, to_tensor
from .indexing import getitem
from .reductions import sum
from .shape import moveaxis, reshape


def _band(op, fn):
    def band(x, k=0):
        x = to_tensor(x)
        if x.ndim < 2:
            raise ValueError(f"{op} needs a tensor of rank >= 2; received shape {x.shape}")
        xp = x._backend.xp
        return record(fn(xp, x.data, k), (x,), lambda g: (fn(xp, g, k),), op)

    band.__name__ = op
    return band


triu = _band("triu", lambda xp, a, k: xp.triu(a, k))
tril = _band("tril", lambda xp, a, k: xp.tril(a, k))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal of axes (axis1, axis2), appended as the last axis."""
    x = to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal needs a tensor of rank >= 2; received shape {x.shape}")
    a = single_axis("diagonal", axis1, x.ndim)
    b = single_axis("diagonal", axis2, x.ndim)
    if a == b:
        raise ValueError(f"diagonal: axis1 and axis2 must differ; received {axis1}, {axis2}")
    x = moveaxis(x, (a, b), (-2, -1))
    n, m = x.shape[-2], x.shape[-1]
    rows = np.arange(builtins.max(0, -offset), builtins.max(0, builtins.min(n, m - offset)))
    return getitem(x, (builtins.slice(None),) * (x.ndim - 2) + (rows, rows + offset))


def diag(x, k=0):
    """A 1-D ``x`` on the ``k``-th diagonal of a matrix, or the ``k``-th diagonal of a 2-D ``x``."""
    x = to_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag needs a 1-D or 2-D tensor; received shape {x.shape}")
    xp = x._backend.xp
    n = x.shape[0] + builtins.abs(k)
    rows = xp.arange(x.shape[0]) + builtins.max(0, -k)
    cols = rows + k
    out = xp.zeros((n, n), dtype=x.dtype)
    out[rows, cols] = x.data
    return record(out, (x,), lambda g: (g[rows, cols],), "diag")


def diagflat(x, k=0):
    """``x`` flattened onto the ``k``-th diagonal of a square matrix."""
    return diag(reshape(to_tensor(x), (-1,)), k)


def trace(x, offset=0, axis1=0, axis2=1):
    return sum(diagonal(x, offset, axis1, axis2), -1)


__all__ = [
    "diag", "diagflat", "diagonal", "trace", "tril", "triu"
]
