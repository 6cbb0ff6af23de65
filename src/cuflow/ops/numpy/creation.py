"""Tensor creation on the current device: zeros / ones / full (and ``*_like``), arange,
linspace / logspace, eye / identity / tri, array, copy.

Keras' dtype rules: float results default to ``floatx()`` (float32), never NumPy's float64; an
explicit ``dtype`` always wins. Created tensors are constants (no graph node); ``array`` and
``copy`` of a Tensor stay differentiable.
"""

from __future__ import annotations

import math

import numpy as np

from ...tensor import Tensor
from .._core import const, current_backend, record, to_tensor


def _floatx():
    from ...backend.config import floatx

    return floatx()


def _dtype(dtype, default=None):
    dtype = np.dtype(dtype if dtype is not None else (default or _floatx()))
    if dtype.kind not in "biufc":
        raise TypeError(f"unsupported dtype {dtype}; cuflow tensors are bool, integer, floating "
                        f"or complex")
    return dtype


def _shape(op, shape):
    if isinstance(shape, Tensor):
        shape = shape.tolist()
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be an int or a sequence of ints; received "
                        f"{shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{op}: shape entries must be non-negative; received {shape!r}")
    return out


def _int(op, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int; received {value!r}")
    return int(value)


def _make(array, bk):
    return Tensor._wrap(array, backend=bk)


def _check(shape, dtype, what, bk):
    """Refuse an oversized request with cuflow.OutOfMemoryError before NumPy / CuPy try it."""
    from ...memory import check_allocation

    check_allocation(shape, dtype, what, bk.device)


def zeros(shape, dtype=None):
    bk, shape, dtype = current_backend(), _shape("zeros", shape), _dtype(dtype)
    _check(shape, dtype, "zeros", bk)
    return _make(bk.xp.zeros(shape, dtype=dtype), bk)


def ones(shape, dtype=None):
    bk, shape, dtype = current_backend(), _shape("ones", shape), _dtype(dtype)
    _check(shape, dtype, "ones", bk)
    return _make(bk.xp.ones(shape, dtype=dtype), bk)


def empty(shape, dtype=None):
    """Keras' ``empty``: zero-filled here so results never depend on stale memory."""
    return zeros(shape, dtype)


def _fill_dtype(fill_value, dtype):
    if dtype is not None:
        return _dtype(dtype)
    if isinstance(fill_value, bool):
        return np.dtype(bool)
    if isinstance(fill_value, (int, np.integer)):
        return np.dtype("int32")  # Keras infers int32 for Python ints
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return _dtype(None)


def full(shape, fill_value, dtype=None):
    bk, shape = current_backend(), _shape("full", shape)
    dt = _fill_dtype(fill_value, dtype)
    _check(shape, dt, "full", bk)
    value = fill_value.data if isinstance(fill_value, Tensor) else fill_value
    out = bk.xp.full(shape, value, dtype=dt)
    return _make(out, bk)


def _like(op, x, dtype, fill):
    x = to_tensor(x)
    dt = x.dtype if dtype is None else _dtype(dtype)
    _check(x.shape, dt, op, x._backend)
    return _make(x._backend.xp.full(x.shape, fill, dtype=dt), x._backend)


def zeros_like(x, dtype=None):
    return _like("zeros_like", x, dtype, 0)


def ones_like(x, dtype=None):
    return _like("ones_like", x, dtype, 1)


def full_like(x, fill_value, dtype=None):
    return _like("full_like", x, dtype, fill_value)


def empty_like(x, dtype=None):
    """A tensor of ``x``'s shape and dtype (or ``dtype``); cuflow fills it with zeros."""
    return _like("empty_like", x, dtype, 0)


def view(x, dtype=None):
    """The same bytes reinterpreted as ``dtype`` (``numpy.ndarray.view``): the last axis
    scales by the ratio of item sizes. Not differentiable."""
    x = to_tensor(x)
    if dtype is None:
        return const(x.data.view(), x._backend)
    dt = _dtype(dtype)
    try:
        out = x.data.view(dt)
    except ValueError as e:
        raise ValueError(f"view: cannot view a tensor of shape {x.shape} and dtype {x.dtype} "
                         f"as {dt}: {e}") from None
    return const(out, x._backend)


def arange(start, stop=None, step=1, dtype=None):
    """Integers stay integer (int32, as Keras); any float argument gives floatx."""
    if stop is None:
        start, stop = 0, start
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool) \
                or not math.isfinite(v):
            raise TypeError(f"arange: {name} must be a finite number; received {v!r}")
    if step == 0:
        raise ValueError("arange: step must be non-zero; received step=0")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = "int32" if ints else _floatx()
    bk, dtype = current_backend(), _dtype(dtype)
    _check((max(0, math.ceil((stop - start) / step)),), dtype, "arange", bk)
    return _make(bk.xp.arange(start, stop, step, dtype=dtype), bk)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    from .._core import normalize_axis

    num = _int("linspace", "num", num)
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative; received {num}")
    lo, hi = to_tensor(start), to_tensor(stop)
    try:
        shape = np.broadcast_shapes(lo.shape, hi.shape)
    except ValueError:
        raise ValueError(f"linspace: start of shape {lo.shape} and stop of shape {hi.shape} "
                         f"cannot be broadcast together") from None
    (ax,) = normalize_axis("linspace", axis, len(shape) + 1)
    bk, dt = lo._backend, _dtype(dtype)
    _check(shape + (num,), dt, "linspace", bk)
    out = bk.xp.linspace(lo.data, hi.data, num, endpoint=endpoint, retstep=retstep, axis=ax)
    if retstep:
        out, step = out
    out = _make(out.astype(dt), bk)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``, ``numpy.logspace``."""
    exps = linspace(start, stop, num, endpoint=endpoint, dtype="float64", axis=axis)
    bk = exps._backend
    out = bk.xp.power(float(base), exps.data)
    return const(out.astype(_dtype(dtype)), bk)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale from ``start`` to ``stop`` (same sign, non-zero),
    ``numpy.geomspace``; floatx() by default."""
    num = _int("geomspace", "num", num)
    lo, hi = to_tensor(start), to_tensor(stop)
    bk = lo._backend
    out = bk.xp.geomspace(lo.data.astype(np.float64), hi.data.astype(np.float64), num,
                          endpoint=endpoint, axis=axis)
    return const(out.astype(_dtype(dtype)), bk)


def eye(N, M=None, k=0, dtype=None):
    n, m = _int("eye", "N", N), _int("eye", "M", N if M is None else M)
    bk, dtype = current_backend(), _dtype(dtype)
    _check(_shape("eye", (n, m)), dtype, "eye", bk)
    return _make(bk.xp.eye(n, m, _int("eye", "k", k), dtype=dtype), bk)


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    n, m = _int("tri", "N", N), _int("tri", "M", N if M is None else M)
    bk, dtype = current_backend(), _dtype(dtype)
    _check(_shape("tri", (n, m)), dtype, "tri", bk)
    return _make(bk.xp.tri(n, m, _int("tri", "k", k), dtype=dtype), bk)


# ---- copies -------------------------------------------------------------------------------------

def _identity(op, x):
    x = to_tensor(x)
    return record(x.data.copy(), (x,), lambda g: (g,), op)


def copy(x):
    """A copy of ``x``; the gradient passes through."""
    return _identity("copy", to_tensor(x) if not isinstance(x, Tensor) else x)


def array(x, dtype=None):
    """A new tensor holding ``x`` (``keras.ops.array``); a Tensor input stays differentiable."""
    from ..core import cast, convert_to_tensor

    if isinstance(x, Tensor):
        return copy(x) if dtype is None or np.dtype(dtype) == x.dtype else cast(x, dtype)
    return convert_to_tensor(x, dtype=dtype)


__all__ = [
    "arange", "array", "copy", "empty", "empty_like", "eye", "full", "full_like", "geomspace",
    "identity", "linspace", "logspace", "ones", "ones_like", "tri", "view", "zeros", "zeros_like"
]
