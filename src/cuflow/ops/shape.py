"""Shape and indexing ops: reshape, transpose, concatenate, split, pad, tile, gather, one_hot."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._core import normalize_axis, record, same_device, to_tensor


def reshape(x, shape):
    x = to_tensor(x)
    shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    known = [s for s in shape if s != -1]
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"reshape: invalid target shape {shape}")
    total = math.prod(known)
    ok = (x.size == total) if -1 not in shape else (total > 0 and x.size % total == 0) or \
        (total == 0 and x.size == 0)
    if not ok:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} "
                         f"elements) into shape {shape}")
    out = x.data.reshape(shape)
    return record(out, (x,), lambda g: (g.reshape(x.shape),), "reshape")


def transpose(x, axes=None):
    x = to_tensor(x)
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    axes = tuple(axes)
    if sorted(normalize_axis("transpose", axes, x.ndim)) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of a rank-{x.ndim} "
                         f"tensor's axes")
    xp = x._backend.xp
    out = xp.transpose(x.data, axes)
    inv = tuple(np.argsort([a % x.ndim for a in axes]))
    return record(out, (x,), lambda g: (xp.transpose(g, inv),), "transpose")


def expand_dims(x, axis):
    x = to_tensor(x)
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"expand_dims: axis {axis} is out of range for a tensor of rank {x.ndim}")
    out = x._backend.xp.expand_dims(x.data, axis)
    return record(out, (x,), lambda g: (g.reshape(x.shape),), "expand_dims")


def squeeze(x, axis=None):
    x = to_tensor(x)
    if axis is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        axes = normalize_axis("squeeze", axis, x.ndim)
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: cannot squeeze axis {a} of shape {x.shape} (size "
                                 f"{x.shape[a]}, expected 1)")
    out = x._backend.xp.squeeze(x.data, axis=axes)
    return record(out, (x,), lambda g: (g.reshape(x.shape),), "squeeze")


def _list_operands(op, values):
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{op} needs a non-empty list of tensors; received {values!r}")
    tensors = [to_tensor(v) for v in values]
    return same_device(op, *tensors), tensors


def concatenate(values, axis=-1):
    bk, ts = _list_operands("concatenate", values)
    nd = ts[0].ndim
    (ax,) = normalize_axis("concatenate", axis, nd)
    for t in ts:
        if t.ndim != nd or any(t.shape[i] != ts[0].shape[i] for i in range(nd) if i != ax):
            raise ValueError(f"concatenate: shapes {[t.shape for t in ts]} do not match except "
                             f"on axis {axis}")
    out = bk.xp.concatenate([t.data for t in ts], axis=ax)
    bounds = np.cumsum([t.shape[ax] for t in ts])[:-1].tolist()

    def backward(g):
        return tuple(bk.xp.split(g, bounds, axis=ax))

    return record(out, tuple(ts), backward, "concatenate", bk)


concat = concatenate


def stack(values, axis=0):
    bk, ts = _list_operands("stack", values)
    if any(t.shape != ts[0].shape for t in ts):
        raise ValueError(f"stack: every tensor needs the same shape; received "
                         f"{[t.shape for t in ts]}")
    if not -ts[0].ndim - 1 <= axis <= ts[0].ndim:
        raise ValueError(f"stack: axis {axis} out of range for rank {ts[0].ndim} inputs")
    out = bk.xp.stack([t.data for t in ts], axis=axis)

    def backward(g):
        parts = bk.xp.split(g, len(ts), axis=axis)
        return tuple(p.reshape(ts[0].shape) for p in parts)

    return record(out, tuple(ts), backward, "stack", bk)


def split(x, num_or_size_splits, axis=0):
    """TensorFlow semantics: an int splits evenly; a list gives the sizes (one may be -1)."""
    x = to_tensor(x)
    (ax,) = normalize_axis("split", axis, x.ndim)
    n = x.shape[ax]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise ValueError(f"split: cannot split axis {axis} of size {n} into {k} equal parts")
        sizes = [n // k] * k
    else:
        sizes = [int(s) for s in num_or_size_splits]
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {list(num_or_size_splits)} do not add up to the axis "
                             f"size {n}")
    starts = np.cumsum([0] + sizes).tolist()
    outs = []
    for i, s in enumerate(sizes):
        index = [slice(None)] * x.ndim
        index[ax] = slice(starts[i], starts[i] + s)
        outs.append(getitem(x, tuple(index)))
    return outs




def pad(x, paddings, mode="constant", constant_values=0):
    """``paddings`` as TensorFlow: [[before, after], ...] per axis. Modes: constant, reflect,
    symmetric."""
    x = to_tensor(x)
    pads = [tuple(int(v) for v in p) for p in paddings]
    if len(pads) != x.ndim or any(len(p) != 2 or min(p) < 0 for p in pads):
        raise ValueError(f"pad: paddings must be {x.ndim} non-negative [before, after] pairs "
                         f"for shape {x.shape}; received {paddings!r}")
    mode = mode.lower()
    if mode not in ("constant", "reflect", "symmetric"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric'; received "
                         f"{mode!r}")
    xp = x._backend.xp
    if mode == "constant":
        out = xp.pad(x.data, pads, mode="constant", constant_values=constant_values)
    else:
        out = xp.pad(x.data, pads, mode=mode)
    inner = tuple(slice(b, b + s) for (b, _), s in zip(pads, x.shape))

    def backward(g):
        if mode == "constant":
            return (g[inner],)
        # reflected copies also received gradient: route it back with the transposed gather
        idx = xp.pad(xp.arange(x.size).reshape(x.shape), pads, mode=mode)
        gx = xp.zeros(x.size, dtype=g.dtype)
        x._backend.scatter_add(gx, idx.reshape(-1), g.reshape(-1))
        return (gx.reshape(x.shape),)

    return record(out, (x,), backward, "pad")


def tile(x, multiples):
    x = to_tensor(x)
    reps = tuple(int(m) for m in multiples)
    if len(reps) != x.ndim or any(r < 0 for r in reps):
        raise ValueError(f"tile: multiples must have one non-negative entry per axis of shape "
                         f"{x.shape}; received {multiples!r}")
    xp = x._backend.xp
    out = xp.tile(x.data, reps)

    def backward(g):
        # view the tiled axis i as (reps[i], size[i]) and sum over the reps
        shape = []
        for r, s in zip(reps, x.shape):
            shape += [r, s]
        g = g.reshape(shape)
        return (g.sum(axis=tuple(range(0, 2 * x.ndim, 2))),)

    return record(out, (x,), backward, "tile")


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


def one_hot(indices, depth, dtype="float32"):
    indices = to_tensor(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers; received dtype {indices.dtype}")
    depth = int(depth)
    if depth <= 0:
        raise ValueError(f"one_hot: depth must be positive; received {depth}")
    xp = indices._backend.xp
    if indices.size:
        lo, hi = int(indices.data.min()), int(indices.data.max())
        if lo < 0 or hi >= depth:
            raise ValueError(f"one_hot: index {lo if lo < 0 else hi} is out of range "
                             f"[0, {depth})")
    out = (indices.data[..., None] == xp.arange(depth)).astype(dtype)
    return Tensor._wrap(out, backend=indices._backend)


def cast(x, dtype):
    x = to_tensor(x)
    dtype = np.dtype(dtype)
    if dtype.kind not in "biuf":
        raise TypeError(f"cast: unsupported dtype {dtype}")
    out = x.data.astype(dtype)
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor._wrap(out, backend=x._backend)
    return record(out, (x,), lambda g: (g.astype(x.dtype),), "cast")


def flatten(x):
    """Keep the first (batch) axis, flatten the rest (Keras Flatten)."""
    x = to_tensor(x)
    return reshape(x, (x.shape[0], -1) if x.ndim else (1,))
