"""Indexing: ``getitem`` (basic and advanced), gather / take / take_along_axis (their gradients
scatter-add) and ``nonzero``."""

from __future__ import annotations

import builtins

import numpy as np

from ...tensor import Tensor
from .._core import const, normalize_axis, record, single_axis, to_tensor
from .shape import reshape


def _raw_index(index, bk):
    """Convert Tensors and lists inside an index to arrays on ``bk``; report if advanced."""
    items = index if isinstance(index, tuple) else (index,)
    out, advanced = [], False
    for it in items:
        if isinstance(it, Tensor):
            if it._backend is not bk:
                raise ValueError(f"index tensor is on {it.device!r}, the indexed tensor on "
                                 f"{bk.device!r}")
            it = it.data
            advanced = True
        elif isinstance(it, (list, np.ndarray)) or hasattr(it, "__cuda_array_interface__"):
            it = bk.asarray(it)
            advanced = True
        if hasattr(it, "dtype") and it.dtype.kind == "f":
            raise TypeError(f"indices must be integers or booleans; received dtype {it.dtype}")
        out.append(it)
    return (tuple(out) if isinstance(index, tuple) else out[0]), advanced


def getitem(x, index):
    """Basic slicing and integer/boolean array indexing; the gradient scatter-adds."""
    x = to_tensor(x)
    bk = x._backend
    idx, advanced = _raw_index(index, bk)
    try:
        out = x.data[idx]
    except IndexError as e:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {x.shape}: {e}") \
            from None

    def backward(g):
        gx = bk.xp.zeros(x.shape, dtype=g.dtype)
        if advanced:
            bk.scatter_add(gx, idx, g)
        else:
            gx[idx] = g
        return (gx,)

    return record(out, (x,), backward, "getitem")


get_item = getitem


def gather(params, indices, axis=0):
    """``tf.gather``: pick slices of ``params`` along ``axis`` (Embedding's lookup)."""
    params = to_tensor(params)
    indices = to_tensor(indices, params)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"gather: indices must be integers; received dtype {indices.dtype}")
    (ax,) = normalize_axis("gather", axis, params.ndim)
    n = params.shape[ax]
    if indices.size:
        lo, hi = int(indices.data.min()), int(indices.data.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise IndexError(f"gather: index {bad} is out of range [0, {n}) for axis {axis} of "
                             f"shape {params.shape}")
    index = (slice(None),) * ax + (indices.data,)
    return getitem(params, index)


def _int_indices(op, indices, like):
    idx = to_tensor(indices, like)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers; received dtype {idx.dtype}")
    return idx


def _wrap_check(op, idx, n, what):
    """Negative indices count from the end (as NumPy); anything else outside is an error."""
    data = idx.data
    if data.size:
        lo, hi = int(data.min()), int(data.max())
        if lo < -n or hi >= n:
            raise IndexError(f"{op}: index {lo if lo < -n else hi} is out of range for {what} "
                             f"of size {n}")
    return data % n if n else data


def take(x, indices, axis=None):
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = single_axis("take", axis, x.ndim)
    idx = _int_indices("take", indices, x)
    data = _wrap_check("take", idx, x.shape[ax], f"axis {axis} of shape {x.shape}")
    return getitem(x, (builtins.slice(None),) * ax + (data,))


def take_along_axis(x, indices, axis=None):
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = single_axis("take_along_axis", axis, x.ndim)
    idx = _int_indices("take_along_axis", indices, x)
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of shape {idx.shape} must have the rank of "
                         f"x, shape {x.shape}")
    data = _wrap_check("take_along_axis", idx, x.shape[ax], f"axis {axis} of shape {x.shape}")
    xp = x._backend.xp
    index = []
    for d in range(x.ndim):
        if d == ax:
            index.append(data)
        else:
            n = x.shape[d] if idx.shape[d] == 1 else idx.shape[d]
            if x.shape[d] not in (1, n):
                raise ValueError(f"take_along_axis: indices of shape {idx.shape} do not "
                                 f"broadcast against x of shape {x.shape}")
            shape = [1] * x.ndim
            shape[d] = n
            index.append(xp.arange(n).reshape(shape) if x.shape[d] != 1
                         else xp.zeros(shape, dtype=np.int64))
    return getitem(x, tuple(index))


def nonzero(x):
    """A tuple of int64 index tensors, one per axis, of the non-zero entries (row-major order).

    The number of entries depends on the data, so on the GPU this synchronises with the host and
    cannot be captured in a CUDA graph.
    """
    x = to_tensor(x)
    return tuple(const(i.astype(np.int64), x._backend) for i in x._backend.xp.nonzero(x.data))


__all__ = [
    "gather", "get_item", "getitem", "nonzero", "take", "take_along_axis"
]
