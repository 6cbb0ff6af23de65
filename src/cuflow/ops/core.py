"""``keras.ops.core``: tensors in and out (convert_to_tensor, cast, shape ...), functional
updates (scatter, scatter_update, slice_update, slice), eager control flow (cond, switch,
fori_loop, while_loop, map, associative_scan) and gradient control (stop_gradient,
custom_gradient).

Functional, as Keras 3: the ``*_update`` ops return a new tensor and never write into their
input. Control flow runs eagerly in Python (cuflow is define-by-run), so gradients flow through
whatever ops the branches and bodies use.
"""

from __future__ import annotations

import builtins
import functools

import numpy as np

from .. import autodiff
from ..tensor import Tensor
from ..tree import unflatten_as as _flatten
from ._core import record, same_device, single_axis, to_tensor
from .numpy.creation import _dtype
from .numpy.indexing import getitem

# ---- tensors in and out -------------------------------------------------------------------------

def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a Tensor (kept as is when it already is one with the right dtype)."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: sparse and ragged tensors are not supported")
    if isinstance(x, Tensor):
        if dtype is None or np.dtype(dtype) == x.dtype:
            return x
        return cast(x, dtype)
    return Tensor(x, dtype=None if dtype is None else _dtype(dtype))


def convert_to_numpy(x):
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def is_tensor(x):
    return isinstance(x, Tensor)


def shape(x):
    """The static shape as a tuple of ints (Keras returns a tuple too)."""
    if hasattr(x, "shape") and not isinstance(x, (list, tuple)):
        return tuple(x.shape)
    return tuple(np.shape(x))


def size(x):
    return int(np.prod(shape(x), dtype=np.int64))


def ndim(x):
    return len(shape(x))


def dtype(x):
    """Keras' ``ops.dtype``: the dtype name as a string."""
    return str(to_tensor(x).dtype)


def cast(x, dtype):
    x = to_tensor(x)
    dtype = np.dtype(dtype)
    if dtype.kind not in "biufc":
        raise TypeError(f"cast: unsupported dtype {dtype}")
    out = x.data.astype(dtype)
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor._wrap(out, backend=x._backend)
    return record(out, (x,), lambda g: (g.astype(x.dtype),), "cast")


# ---- functional updates and slices --------------------------------------------------------------

def _index_matrix(op, indices, like, shape):
    """``indices`` (N, k) as a tuple of k index vectors, bounds-checked against ``shape``."""
    idx = to_tensor(indices, like)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers; received dtype {idx.dtype}")
    if idx.ndim == 1:
        idx = Tensor._wrap(idx.data[:, None], backend=idx._backend)
    if idx.ndim != 2 or not 1 <= idx.shape[1] <= len(shape):
        raise ValueError(f"{op}: indices must have shape (num_updates, k) with 1 <= k <= "
                         f"{len(shape)}; received shape {idx.shape}")
    data = idx.data
    if data.size:
        dims = idx._backend.xp.asarray(shape[:idx.shape[1]])
        if bool(((data < 0) | (data >= dims)).any()):
            raise IndexError(f"{op}: an index in {indices!r} is out of range for shape "
                             f"{tuple(shape)}")
    return tuple(data[:, j] for j in range(idx.shape[1])), idx.shape


def _updates(op, updates, like, n, shape, k):
    u = to_tensor(updates, like)
    want = (n,) + tuple(shape[k:])
    if u.shape != want:
        try:
            u_data = like._backend.xp.broadcast_to(u.data, want)
        except ValueError:
            raise ValueError(f"{op}: updates of shape {u.shape} do not match the expected shape "
                             f"{want} (num_updates, *shape[{k}:])") from None
        return u, u_data
    return u, u.data


def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (N, k); duplicate indices
    sum (``tf.scatter_nd``). Differentiable in ``values``."""
    v = to_tensor(values)
    shape = tuple(int(s) for s in shape)
    bk = v._backend
    idx, (n, k) = _index_matrix("scatter", indices, v, shape)
    v, vd = _updates("scatter", v, v, n, shape, k)
    out = bk.xp.zeros(shape, dtype=v.dtype)
    bk.scatter_add(out, idx, vd)

    def backward(g):
        gv = g[idx]
        if gv.shape != v.shape:
            from ._core import unbroadcast

            gv = unbroadcast(gv, v.shape)
        return (gv,)

    return record(out, (v,), backward, "scatter", bk)


def scatter_update(inputs, indices, updates):
    """A copy of ``inputs`` with ``inputs[indices] = updates`` (indices (N, k)). Gradients:
    ``inputs`` everywhere but the updated positions, ``updates`` gathered from them."""
    x = to_tensor(inputs)
    bk = x._backend
    idx, (n, k) = _index_matrix("scatter_update", indices, x, x.shape)
    u, ud = _updates("scatter_update", updates, x, n, x.shape, k)
    same_device("scatter_update", x, u)
    xp = bk.xp
    # duplicate indices: the last update wins. Every duplicate writes the winner's value, so the
    # result does not depend on the order a GPU performs the writes in.
    src = _last_writer(xp, idx, x.shape, n)
    out = x.data.copy()
    out[idx] = ud[src].astype(x.dtype, copy=False)

    def backward(g):
        gx = gu = None
        if x.requires_grad:
            gx = g.copy()
            gx[idx] = 0
        if u.requires_grad:
            won = (src == xp.arange(n)).reshape((n,) + (1,) * (len(x.shape) - k))
            gu = g[idx] * won
            if gu.shape != u.shape:
                from ._core import unbroadcast

                gu = unbroadcast(gu, u.shape)
        return gx, gu

    return record(out, (x, u), backward, "scatter_update", bk)


def _last_writer(xp, idx, shape, n):
    """For each update j, the index of the last update that targets the same position."""
    dims = tuple(shape[:len(idx)])
    flat = xp.ravel_multi_index(idx, dims) if n else xp.zeros(0, dtype=np.int64)
    last = xp.full(int(np.prod(dims)), -1, dtype=np.int64)
    pos = xp.arange(n, dtype=np.int64)
    if xp is np:
        np.maximum.at(last, flat, pos)
    else:  # CuPy
        import cupyx

        cupyx.scatter_max(last, flat, pos)
    return last[flat]


def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block starting at ``start_indices`` replaced by
    ``updates``. Differentiable in both."""
    x = to_tensor(inputs)
    u = to_tensor(updates, x)
    bk = same_device("slice_update", x, u)
    if isinstance(start_indices, Tensor):
        start_indices = start_indices.tolist()
    starts = [int(s) for s in start_indices]
    if len(starts) != x.ndim or u.ndim != x.ndim:
        raise ValueError(f"slice_update: start_indices {list(start_indices)} and updates of "
                         f"shape {u.shape} need one entry per axis of inputs shape {x.shape}")
    for s, n, dim in zip(starts, u.shape, x.shape):
        if s < 0 or s + n > dim:
            raise ValueError(f"slice_update: updates of shape {u.shape} at {starts} do not fit "
                             f"inside inputs of shape {x.shape}")
    region = tuple(builtins.slice(s, s + n) for s, n in zip(starts, u.shape))
    out = x.data.copy()
    out[region] = u.data.astype(x.dtype, copy=False)

    def backward(g):
        gx = None
        if x.requires_grad:
            gx = g.copy()
            gx[region] = 0
        return gx, (g[region] if u.requires_grad else None)

    return record(out, (x, u), backward, "slice_update", bk)


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' name
    """``inputs[start : start + shape]`` per axis (a -1 in ``shape`` means to the end)."""
    x = to_tensor(inputs)
    starts = [int(s) for s in start_indices]
    sizes = [int(s) for s in shape]
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ValueError(f"slice: start_indices {list(start_indices)} and shape {list(shape)} "
                         f"need one entry per axis of shape {x.shape}")
    index = []
    for s, n, dim in zip(starts, sizes, x.shape):
        end = dim if n == -1 else s + n
        if s < 0 or end > dim or end < s:
            raise ValueError(f"slice: start {s} with size {n} is outside an axis of size {dim} "
                             f"(input shape {x.shape})")
        index.append(builtins.slice(s, end))
    return getitem(x, tuple(index))


def unstack(x, num=None, axis=0):
    x = to_tensor(x)
    ax = single_axis("unstack", axis, x.ndim)
    if num is not None and num != x.shape[ax]:
        raise ValueError(f"unstack: num={num} does not match axis {axis} of size {x.shape[ax]}")
    pre = (builtins.slice(None),) * ax
    return [getitem(x, pre + (i,)) for i in range(x.shape[ax])]


# ---- control flow -------------------------------------------------------------------------------

def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``; ``index`` is clamped to the valid range, as Keras.

    A Tensor ``index`` is read back to the host (eager control flow).
    """
    if not branches:
        raise ValueError("switch: branches must be a non-empty list of callables")
    i = int(index.item() if isinstance(index, Tensor) else index)
    i = builtins.min(builtins.max(i, 0), len(branches) - 1)
    return branches[i](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    val = init_val
    try:
        lower, upper = int(lower), int(upper)
    except OverflowError:  # int(inf): name the arguments rather than leak OverflowError
        raise ValueError(f"fori_loop: lower and upper must be finite integers; received "
                         f"{lower!r} and {upper!r}") from None
    for i in range(lower, upper):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while (maximum_iterations is None or n < maximum_iterations) and bool(cond(*state)):
        state = body(*state)
        state = (state,) if single else tuple(state)
        n += 1
    return state[0] if single else state


def map(f, xs):  # noqa: A001 - Keras' name
    """``stack([f(x) for x in xs])`` over the leading axis; ``xs`` and ``f``'s result may be
    nested lists / tuples / dicts of tensors."""
    from .numpy.shape import stack

    leaves, build = _flatten(xs)
    leaves = [to_tensor(t) for t in leaves]
    if not leaves:
        raise ValueError("map: xs must hold at least one tensor")
    n = leaves[0].shape[0] if leaves[0].ndim else None
    if n is None or builtins.any(t.ndim == 0 or t.shape[0] != n for t in leaves):
        raise ValueError(f"map: every tensor in xs needs the same leading size; received shapes "
                         f"{[t.shape for t in leaves]}")
    results = [f(build([getitem(t, i) for t in leaves])) for i in range(n)]
    if n == 0:
        raise ValueError("map: xs has a leading axis of size 0 (the output shape is unknown)")
    flat0, out_build = _flatten(results[0])
    cols = [[to_tensor(_flatten(r)[0][j]) for r in results] for j in range(len(flat0))]
    return out_build([stack(c, 0) for c in cols])


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative, vectorized binary ``f`` along ``axis``.

    log2(n) rounds of ``f`` on whole slices (Hillis-Steele), so ``f`` must act elementwise along
    the axis, as Keras requires. ``elems`` may be a nested list / tuple / dict of tensors.
    """
    from .numpy.rearranging import flip
    from .numpy.shape import concatenate

    leaves, build = _flatten(elems)
    leaves = [to_tensor(t) for t in leaves]
    if not leaves:
        raise ValueError("associative_scan: elems must hold at least one tensor")
    nd = leaves[0].ndim
    if nd == 0:
        raise ValueError("associative_scan: elems must have rank >= 1")
    ax = axis % nd if -nd <= axis < nd else None
    if ax is None:
        raise ValueError(f"associative_scan: axis {axis} is out of range for rank {nd}")
    n = leaves[0].shape[ax]
    if builtins.any(t.ndim != nd or t.shape[ax] != n for t in leaves):
        raise ValueError(f"associative_scan: every tensor needs size {n} on axis {axis}; "
                         f"received shapes {[t.shape for t in leaves]}")
    if reverse:
        leaves = [flip(t, ax) for t in leaves]
    pre = (builtins.slice(None),) * ax

    def cut(ts, sl):
        return [getitem(t, pre + (sl,)) for t in ts]

    cur, offset = leaves, 1
    while offset < n:
        left = cut(cur, builtins.slice(None, n - offset))
        right = cut(cur, builtins.slice(offset, None))
        combined, _ = _flatten(f(build(left), build(right)))
        head = cut(cur, builtins.slice(None, offset))
        cur = [concatenate([h, to_tensor(c)], ax) for h, c in zip(head, combined)]
        offset *= 2
    if reverse:
        cur = [flip(t, ax) for t in cur]
    return build(cur)


# ---- gradients ----------------------------------------------------------------------------------

def stop_gradient(x):
    x = to_tensor(x)
    return Tensor._wrap(x.data, backend=x._backend)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(y, grad_fn)``; gradients of ``y`` use ``grad_fn``.

    As Keras 3: ``grad_fn(upstream)`` receives the gradient of ``y`` (a Tensor) and returns the
    gradient for each Tensor argument of ``f`` (one value, or a tuple with one per Tensor
    argument; None for none). ``grad_fn`` may also be written ``grad_fn(*args, upstream=None)``.
    ``f``'s own ops are not recorded; ``y`` must be one Tensor.
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        with autodiff.no_grad():
            result = f(*args, **kwargs)
        if not isinstance(result, (tuple, list)) or len(result) != 2 or not callable(result[1]):
            raise TypeError(f"custom_gradient: {getattr(f, '__name__', 'f')} must return "
                            f"(output, grad_fn); received {type(result).__name__}")
        y, grad_fn = result
        y = to_tensor(y)
        if not tensors:
            return y
        bk = same_device("custom_gradient", y, *tensors)

        def backward(g):
            with autodiff.no_grad():
                grads = grad_fn(Tensor._wrap(g, backend=bk))
            if not isinstance(grads, (tuple, list)):
                grads = (grads,)
            if len(grads) != len(tensors):
                raise ValueError(f"custom_gradient: grad_fn returned {len(grads)} gradients for "
                                 f"{len(tensors)} tensor arguments")
            out = []
            for t, gr in zip(tensors, grads):
                if gr is None:
                    out.append(None)
                    continue
                arr = to_tensor(gr, t).data
                if tuple(arr.shape) != tuple(t.shape):
                    raise ValueError(f"custom_gradient: grad_fn returned a gradient of shape "
                                     f"{tuple(arr.shape)} for an argument of shape {t.shape}")
                out.append(arr.astype(t.dtype, copy=False))
            return tuple(out)

        return record(y.data, tuple(tensors), backward, "custom_gradient", bk)

    return wrapper


__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor", "custom_gradient",
    "dtype", "fori_loop", "is_tensor", "map", "ndim", "scatter", "scatter_update", "shape", "size",
    "slice", "slice_update", "stop_gradient", "switch", "unstack", "while_loop"
]
