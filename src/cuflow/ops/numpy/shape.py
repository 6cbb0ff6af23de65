"""Shape ops: reshape, transpose, expand / squeeze, concatenate / stack, pad, tile, flatten,
moveaxis / swapaxes, broadcast_to, meshgrid."""

from __future__ import annotations

import math

import numpy as np

from .._core import normalize_axis, record, same_device, single_axis, to_tensor, unbroadcast


def reshape(x, shape):
    x = to_tensor(x)
    shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    known = [s for s in shape if s != -1]
    if any(s < -1 for s in shape):
        raise ValueError(f"reshape: every entry of the new shape must be a non-negative integer "
                         f"or -1; received newshape={shape}")
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: can only specify at most one unknown dimension (-1); "
                         f"received newshape={shape}")
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


def hstack(xs):
    xs = [to_tensor(t) for t in xs]
    return concatenate(xs, axis=0 if xs and xs[0].ndim == 1 else 1)


def vstack(xs):
    xs = [to_tensor(t) for t in xs]
    return concatenate([reshape(t, (1, -1)) if t.ndim == 1 else t for t in xs], axis=0)


def append(x1, x2, axis=None):
    x1, x2 = to_tensor(x1), to_tensor(x2)
    if axis is None:
        return concatenate([reshape(x1, (-1,)), reshape(x2, (-1,))], 0)
    return concatenate([x1, x2], axis)


def _pad_widths(paddings, ndim):
    """``numpy.pad``'s pad_width forms: n, (n,), (before, after) for every axis, or one pair per
    axis."""
    from ...tensor import Tensor

    if isinstance(paddings, Tensor):
        paddings = paddings.tolist()
    arr = np.asarray(paddings, dtype=object)
    if arr.ndim == 0:
        return [(int(paddings), int(paddings))] * ndim
    if arr.ndim == 1 and len(arr) in (1, 2):
        before, after = int(arr[0]), int(arr[-1])
        return [(before, after)] * ndim
    if arr.ndim == 2 and arr.shape == (1, 2):
        return [(int(arr[0, 0]), int(arr[0, 1]))] * ndim
    return [tuple(int(v) for v in p) for p in paddings]


def pad(x, paddings, mode="constant", constant_values=None):
    """Pad with ``numpy.pad``'s pad_width forms (an int, one (before, after) pair for all axes,
    or one pair per axis). Modes: constant (``constant_values``, default 0), reflect, symmetric;
    ``constant_values`` with another mode is an error (as Keras)."""
    x = to_tensor(x)
    if mode != "constant" and constant_values is not None:
        raise ValueError(f"pad: Argument `constant_values` can only be provided when "
                         f"`mode == 'constant'`. Received: mode={mode!r}")
    if constant_values is None:
        constant_values = 0
    try:
        pads = _pad_widths(paddings, x.ndim)
    except (TypeError, ValueError):
        raise ValueError(f"pad: paddings must be {x.ndim} non-negative [before, after] pairs "
                         f"for shape {x.shape}; received {paddings!r}") from None
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
    """``numpy.tile``: an int or a sequence of repetitions; a shorter sequence repeats the last
    axes, a longer one adds leading axes of size 1 to ``x``."""
    from ...tensor import Tensor

    x = to_tensor(x)
    if isinstance(multiples, Tensor):
        multiples = multiples.tolist()
    reps = (int(multiples),) if np.ndim(multiples) == 0 else tuple(int(m) for m in multiples)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: multiples must be non-negative; received {multiples!r}")
    if len(reps) > x.ndim:
        x = reshape(x, (1,) * (len(reps) - x.ndim) + x.shape)
    reps = (1,) * (x.ndim - len(reps)) + reps
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


def flatten(x):
    """Keep the first (batch) axis, flatten the rest (Keras Flatten)."""
    x = to_tensor(x)
    return reshape(x, (x.shape[0], -1) if x.ndim else (1,))


def ravel(x):
    return reshape(x, (-1,))


def moveaxis(x, source, destination):
    x = to_tensor(x)
    src = normalize_axis("moveaxis", source, x.ndim)
    dst = normalize_axis("moveaxis", destination, x.ndim)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} need the "
                         f"same number of axes")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(x, axis1, axis2):
    x = to_tensor(x)
    a = single_axis("swapaxes", axis1, x.ndim)
    b = single_axis("swapaxes", axis2, x.ndim)
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def broadcast_to(x, shape):
    x = to_tensor(x)
    shape = tuple(int(s) for s in shape)
    xp = x._backend.xp
    from ...memory import check_allocation

    check_allocation(shape, x.dtype, "broadcast_to", x.device)  # refuse 2**40 before copying
    try:
        out = xp.array(xp.broadcast_to(x.data, shape))  # a real copy: views would alias
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return record(out, (x,), lambda g: (unbroadcast(g, x.shape),), "broadcast_to")


def meshgrid(*x, indexing="xy"):
    """Coordinate tensors from 1-D inputs; ``indexing`` 'xy' (Cartesian) or 'ij' (matrix)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'; received {indexing!r}")
    ts = [reshape(to_tensor(t), (-1,)) for t in x]
    n = len(ts)
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        view = [1] * n
        view[pos] = t.shape[0]
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return out


__all__ = [
    "append", "broadcast_to", "concat", "concatenate", "expand_dims", "flatten", "hstack",
    "meshgrid", "moveaxis", "pad", "ravel", "reshape", "squeeze", "stack", "swapaxes", "tile",
    "transpose", "vstack"
]
