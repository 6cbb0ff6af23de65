"""Set-like operations and index conversion: unique, isin, unravel_index (integer or bool
results: constants, not differentiable)."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .._core import const, single_axis, to_tensor


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """Sorted unique values (of the flattened tensor, or slices along ``axis``), as
    ``numpy.unique``, with the optional first indices, inverse and counts.

    ``size`` fixes the number of values (as JAX, for static shapes): extra ones are dropped,
    missing ones filled with ``fill_value`` (default 0; counts 0). ``sorted`` is accepted for
    Keras compatibility: the values are always sorted.
    """
    x = to_tensor(x)
    bk = x._backend
    xp = bk.xp
    if axis is not None:
        axis = single_axis("unique", axis, x.ndim)
    kw = {"equal_nan": False} if xp is np else {}  # every NaN is its own value, as Keras
    res = xp.unique(x.data, return_index=return_index, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis, **kw)
    res = list(res) if isinstance(res, tuple) else [res]
    if return_inverse:
        k = 1 + int(return_index)
        inv = res[k]
        res[k] = inv.reshape(-1) if axis is not None else inv.reshape(x.shape)
    if size is not None:
        res = _fix_size(xp, res, int(size), 0 if axis is None else axis, return_index,
                        return_counts, fill_value)
    out = [const(r, bk) for r in res]
    return out[0] if len(out) == 1 else tuple(out)


def _fix_size(xp, res, size, dim, return_index, return_counts, fill_value):
    values = res[0]
    have = values.shape[dim]
    idx = [slice(None)] * values.ndim
    if have >= size:
        idx[dim] = slice(0, size)
        res[0] = values[tuple(idx)]
        if return_index:
            res[1] = res[1][:size]
        if return_counts:
            res[-1] = res[-1][:size]
        return res
    pad = [(0, 0)] * values.ndim
    pad[dim] = (0, size - have)
    res[0] = xp.pad(values, pad, constant_values=0 if fill_value is None else fill_value)
    if return_index:
        res[1] = xp.pad(res[1], (0, size - have), constant_values=0)
    if return_counts:
        res[-1] = xp.pad(res[-1], (0, size - have), constant_values=0)
    return res


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` occurs in ``x2`` (bool, shape of ``x1``)."""
    x1 = to_tensor(x1)
    x2 = to_tensor(x2, x1)
    xp = x1._backend.xp
    return const(xp.isin(x1.data, x2.data, assume_unique=assume_unique, invert=invert),
                 x1._backend)


def unravel_index(indices, shape):
    """Flat ``indices`` as a tuple of coordinate tensors for an array of ``shape`` (the
    indices' integer dtype)."""
    indices = to_tensor(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: indices must be integers; received dtype "
                        f"{indices.dtype}")
    if isinstance(shape, Tensor):
        shape = shape.tolist()
    shape = tuple(int(s) for s in shape)
    xp = indices._backend.xp
    coords = xp.unravel_index(indices.data, shape)
    return tuple(const(c.astype(indices.dtype), indices._backend) for c in coords)


__all__ = ["isin", "unique", "unravel_index"]
