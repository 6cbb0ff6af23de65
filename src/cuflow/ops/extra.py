"""The rest of ``keras.ops``: math, logic, sorting, indexing and rearranging ops.

Same names, argument names and semantics as Keras 3; differentiable where Keras' are. Most are
compositions of existing ops (so their gradients come for free); the rest record their own
backward over raw arrays (``xp`` is NumPy or CuPy).

This module defines ``any``, ``all``, ``slice`` and imports ``sum``/``max`` ops under Keras' names:
Python's built-ins are spelled ``builtins.*`` here.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from ..tensor import Tensor
from ._core import check_float, normalize_axis, record, to_tensor, unbroadcast
from .elementwise import _unary, divide, maximum, sqrt, where
from .reductions import max as reduce_max
from .reductions import mean, sum
from .shape import concatenate, getitem, reshape, transpose


def _const(out, bk):
    return Tensor._wrap(out, backend=bk)


def _axis1(op, axis, ndim):
    return normalize_axis(op, axis, ndim)[0]


# ---- elementwise math ---------------------------------------------------------------------------

def _erf_raw(xp, x):
    if xp is np:  # NumPy has no erf; math.erf per element is exact to double precision
        # np.asarray: on a 0-d input a frompyfunc ufunc returns a Python float, not an array
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)),
                          dtype=np.float64).astype(x.dtype)
    import cupyx.scipy.special  # only reached with CuPy arrays

    return cupyx.scipy.special.erf(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

tan = _unary("tan", lambda xp, x: xp.tan(x), lambda xp, x, y, g: g * (1 + y * y))
arctan = _unary("arctan", lambda xp, x: xp.arctan(x), lambda xp, x, y, g: g / (1 + x * x))
arcsin = _unary("arcsin", lambda xp, x: xp.arcsin(x),
                lambda xp, x, y, g: g / xp.sqrt(1 - x * x))
arccos = _unary("arccos", lambda xp, x: xp.arccos(x),
                lambda xp, x, y, g: -g / xp.sqrt(1 - x * x))
sinh = _unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, x, y, g: g * xp.cosh(x))
cosh = _unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, x, y, g: g * xp.sinh(x))
arcsinh = _unary("arcsinh", lambda xp, x: xp.arcsinh(x),
                 lambda xp, x, y, g: g / xp.sqrt(x * x + 1))
arccosh = _unary("arccosh", lambda xp, x: xp.arccosh(x),
                 lambda xp, x, y, g: g / xp.sqrt(x * x - 1))
arctanh = _unary("arctanh", lambda xp, x: xp.arctanh(x), lambda xp, x, y, g: g / (1 - x * x))
log2 = _unary("log2", lambda xp, x: xp.log2(x), lambda xp, x, y, g: g / (x * math.log(2)))
log10 = _unary("log10", lambda xp, x: xp.log10(x), lambda xp, x, y, g: g / (x * math.log(10)))
exp2 = _unary("exp2", lambda xp, x: xp.exp2(x), lambda xp, x, y, g: g * y * math.log(2))
erf = _unary("erf", _erf_raw, lambda xp, x, y, g: g * _TWO_OVER_SQRT_PI * xp.exp(-x * x))
trunc = _unary("trunc", lambda xp, x: xp.trunc(x), None)
absolute = _unary("absolute", lambda xp, x: xp.abs(x), lambda xp, x, y, g: g * xp.sign(x),
                  needs_float=False)
true_divide = divide


def arctan2(x1, x2):
    """Angle of (x2, x1); gradients (x2, -x1) / (x1² + x2²)."""
    from ._core import operands

    bk, a, b = operands("arctan2", x1, x2)
    check_float("arctan2", a)
    out = bk.xp.arctan2(a.data, b.data)

    def backward(g):
        r = a.data * a.data + b.data * b.data
        return (unbroadcast(g * b.data / r, a.shape) if a.requires_grad else None,
                unbroadcast(-g * a.data / r, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "arctan2", bk)


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow."""
    from ._core import operands

    bk, a, b = operands("logaddexp", x1, x2)
    check_float("logaddexp", a)
    xp = bk.xp
    out = xp.logaddexp(a.data, b.data)

    def backward(g):
        return (unbroadcast(g * xp.exp(a.data - out), a.shape) if a.requires_grad else None,
                unbroadcast(g * xp.exp(b.data - out), b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "logaddexp", bk)


def log_sigmoid(x):
    from .nn import softplus

    return -softplus(-to_tensor(x))


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0 (no NaN in value or gradient)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    zero = x2 == 0
    safe = where(zero, 1.0, x2) if x2.dtype.kind == "f" else where(zero, 1, x2)
    return where(zero, 0.0, divide(x1, safe))


def floor_divide(x1, x2):
    from ._core import operands

    bk, a, b = operands("floor_divide", x1, x2)
    return _const(bk.xp.floor_divide(a.data, b.data), bk)


def mod(x1, x2):
    """Python's modulo (sign of the divisor); d/dx1 = 1, d/dx2 = -floor(x1 / x2)."""
    from ._core import operands

    bk, a, b = operands("mod", x1, x2)
    xp = bk.xp
    out = xp.mod(a.data, b.data)

    def backward(g):
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(-g * xp.floor_divide(a.data, b.data), b.shape)
                if b.requires_grad else None)

    return record(out, (a, b), backward, "mod", bk)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = to_tensor(x)
    xp = x._backend.xp
    out = xp.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return record(out, (x,), lambda g: (g * xp.isfinite(x.data),), "nan_to_num")


# ---- logic and predicates (not differentiable) --------------------------------------------------

def _logic(op, fn, arity):
    def logic(*args):
        if arity == 1:
            x = to_tensor(args[0])
            return _const(fn(x._backend.xp, x.data), x._backend)
        from ._core import operands

        bk, a, b = operands(op, *args)
        return _const(fn(bk.xp, a.data.astype(bool), b.data.astype(bool)), bk)

    logic.__name__ = op
    logic.__doc__ = f"Elementwise ``{op}`` (a bool tensor)."
    return logic


logical_and = _logic("logical_and", lambda xp, a, b: a & b, 2)
logical_or = _logic("logical_or", lambda xp, a, b: a | b, 2)
logical_xor = _logic("logical_xor", lambda xp, a, b: a ^ b, 2)
logical_not = _logic("logical_not", lambda xp, a: ~a.astype(bool), 1)
isnan = _logic("isnan", lambda xp, a: xp.isnan(a), 1)
isinf = _logic("isinf", lambda xp, a: xp.isinf(a), 1)
isfinite = _logic("isfinite", lambda xp, a: xp.isfinite(a), 1)


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    from ._core import operands

    bk, a, b = operands("isclose", x1, x2)
    return _const(bk.xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan), bk)


def _bool_reduce(op):
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        axes = normalize_axis(op, axis, x.ndim)
        return _const(getattr(x._backend.xp, op)(x.data.astype(bool), axis=axes,
                                                 keepdims=keepdims), x._backend)

    fn.__name__ = op
    return fn


any = _bool_reduce("any")
all = _bool_reduce("all")


def count_nonzero(x, axis=None):
    x = to_tensor(x)
    axes = normalize_axis("count_nonzero", axis, x.ndim)
    out = (x.data != 0).sum(axis=axes).astype("int64")
    return _const(out, x._backend)


# ---- reductions and scans -----------------------------------------------------------------------

amax = reduce_max


def amin(x, axis=None, keepdims=False):
    from .reductions import min as reduce_min

    return reduce_min(x, axis, keepdims)


def average(x, axis=None, weights=None):
    x = to_tensor(x)
    if weights is None:
        return mean(x, axis)
    w = to_tensor(weights, x)
    if w.ndim == 1 and x.ndim > 1 and axis is not None:  # NumPy: 1-D weights along ``axis``
        ax = _axis1("average", axis, x.ndim)
        w = reshape(w, tuple(-1 if i == ax else 1 for i in range(x.ndim)))
    return divide(sum(x * w, axis), sum(w * (x * 0 + 1), axis))


def _flat_or_axis(op, x, axis):
    if axis is None:
        return reshape(x, (-1,)), 0
    return x, _axis1(op, axis, x.ndim)


def cumsum(x, axis=None, dtype=None):
    x = to_tensor(x)
    x, ax = _flat_or_axis("cumsum", x, axis)
    xp = x._backend.xp
    out = xp.cumsum(x.data, axis=ax, dtype=dtype)
    if out.dtype.kind != "f" or x.dtype.kind != "f":
        return _const(out, x._backend)

    def backward(g):  # each input feeds every later output: a reversed cumulative sum
        return (xp.flip(xp.cumsum(xp.flip(g, ax), axis=ax), ax).astype(x.dtype),)

    return record(out, (x,), backward, "cumsum")


def cumprod(x, axis=None, dtype=None):
    x = to_tensor(x)
    x, ax = _flat_or_axis("cumprod", x, axis)
    xp = x._backend.xp
    out = xp.cumprod(x.data, axis=ax, dtype=dtype)
    if out.dtype.kind != "f" or x.dtype.kind != "f":
        return _const(out, x._backend)

    def backward(g):
        xm = xp.moveaxis(x.data, ax, -1)
        gm = xp.moveaxis(g, ax, -1)
        if bool(xp.all(xm != 0)):  # the cheap formula: sum_{i>=k} g_i y_i / x_k
            ym = xp.moveaxis(out, ax, -1)
            gx = xp.flip(xp.cumsum(xp.flip(gm * ym, -1), -1), -1) / xm
        else:
            # zeros present: exact products without division, O(n²) along the axis.
            # P[..., k, i] = prod_{j<=i, j!=k} x_j for i >= k
            n = xm.shape[-1]
            eye = xp.eye(n, dtype=bool)
            mat = xp.where(eye, xp.ones((), xm.dtype), xm[..., None, :])
            mat = xp.cumprod(mat, axis=-1) * xp.triu(xp.ones((n, n), dtype=xm.dtype))
            gx = (mat * gm[..., None, :]).sum(-1)
        return (xp.moveaxis(gx, -1, ax).reshape(x.shape),)

    return record(out, (x,), backward, "cumprod")


def norm(x, ord=None, axis=None, keepdims=False):
    """``numpy.linalg.norm`` for vectors (any ord) and matrices (fro, nuc, +-1, +-2, +-inf)."""
    x = to_tensor(x)
    check_float("norm", x)
    from .elementwise import abs as _abs
    from .elementwise import power
    from .reductions import min as reduce_min

    if axis is None:
        if ord is None:
            return sqrt(sum(x * x, None, keepdims))
        axes = tuple(range(x.ndim))
        if len(axes) > 2:
            raise ValueError(f"norm: ord={ord!r} needs axis for a tensor of rank {x.ndim}")
    else:
        axes = normalize_axis("norm", axis, x.ndim)
    if len(axes) == 1:
        a = axes[0]
        if ord is None or ord == 2:
            return sqrt(sum(x * x, a, keepdims))
        if ord == np.inf:
            return reduce_max(_abs(x), a, keepdims)
        if ord == -np.inf:
            return reduce_min(_abs(x), a, keepdims)
        if ord == 0:
            return sum(_nonzero(x), a, keepdims)
        if isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} is not valid for a vector norm")
        return power(sum(power(_abs(x), ord), a, keepdims), 1.0 / ord)
    if len(axes) != 2:
        raise ValueError(f"norm: axis must name one or two axes; received {axis!r}")
    r, c = axes
    if ord in (None, "fro"):
        return sqrt(sum(x * x, axes, keepdims))
    if ord in (2, -2, "nuc"):  # from the singular values
        from .linalg_extra import _matrix_norm_svd

        return _matrix_norm_svd(x, ord, axes, keepdims)
    if ord in (1, -1):
        col = sum(_abs(x), r, keepdims=True)
        out = (reduce_max if ord == 1 else reduce_min)(col, c, keepdims=True)
    elif ord in (np.inf, -np.inf):
        row = sum(_abs(x), c, keepdims=True)
        out = (reduce_max if ord == np.inf else reduce_min)(row, r, keepdims=True)
    else:
        raise ValueError(f"norm: matrix ord={ord!r} is not supported (use None, 'fro', 'nuc', "
                         f"1, -1, 2, -2, inf or -inf)")
    return out if keepdims else reshape(out, tuple(s for i, s in enumerate(out.shape)
                                                   if i not in axes))


def _nonzero(x):
    return _const((x.data != 0).astype(x.dtype), x._backend)


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (floored at ``epsilon``), as Keras."""
    from ..config import epsilon as _eps
    from .elementwise import rsqrt

    x = to_tensor(x)
    eps = _eps() if epsilon is None else epsilon
    if order == 2:
        return x * rsqrt(maximum(sum(x * x, axis, keepdims=True), eps))
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over ``axes``."""
    x = to_tensor(x)
    m = mean(x, axes, keepdims=True)
    d = x - m
    v = mean(d * d, axes, keepdims)
    return (m if keepdims else mean(x, axes)), v


# ---- sorting -----------------------------------------------------------------------------------

def _stable_argsort(xp, a, axis):
    # NumPy needs kind="stable" for ties in input order; CuPy's sort is always stable
    return xp.argsort(a, axis=axis, kind="stable") if xp is np else xp.argsort(a, axis=axis)


def argsort(x, axis=-1):
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = _axis1("argsort", axis, x.ndim)
    out = _stable_argsort(x._backend.xp, x.data, ax).astype("int64")
    return _const(out, x._backend)


def sort(x, axis=-1):
    """Sorted values; the gradient flows back to each value's original position."""
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return take_along_axis(x, argsort(x, axis), axis)


def top_k(x, k, sorted=True):
    """(values, indices) of the ``k`` largest entries on the last axis; ties keep lower index."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError("top_k needs a tensor of rank >= 1; received a scalar")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be an int in [0, {x.shape[-1]}] for shape {x.shape}; "
                         f"received {k!r}")
    xp = x._backend.xp
    key = x.data if x.dtype.kind == "f" else x.data.astype(np.float64)  # no unsigned wrap
    order = _stable_argsort(xp, -key, -1)
    idx = _const(order[..., :int(k)].astype("int64"), x._backend)
    return take_along_axis(x, idx, -1), idx


# ---- indexing -----------------------------------------------------------------------------------

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
    ax = _axis1("take", axis, x.ndim)
    idx = _int_indices("take", indices, x)
    data = _wrap_check("take", idx, x.shape[ax], f"axis {axis} of shape {x.shape}")
    return getitem(x, (builtins.slice(None),) * ax + (data,))


def take_along_axis(x, indices, axis=None):
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = _axis1("take_along_axis", axis, x.ndim)
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
    ax = _axis1("unstack", axis, x.ndim)
    if num is not None and num != x.shape[ax]:
        raise ValueError(f"unstack: num={num} does not match axis {axis} of size {x.shape[ax]}")
    pre = (builtins.slice(None),) * ax
    return [getitem(x, pre + (i,)) for i in range(x.shape[ax])]


# ---- rearranging --------------------------------------------------------------------------------

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
    a = _axis1("swapaxes", axis1, x.ndim)
    b = _axis1("swapaxes", axis2, x.ndim)
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def flip(x, axis=None):
    x = to_tensor(x)
    axes = normalize_axis("flip", axis, x.ndim)
    return getitem(x, tuple(builtins.slice(None, None, -1) if i in axes else builtins.slice(None)
                            for i in range(x.ndim)))


def roll(x, shift, axis=None):
    x = to_tensor(x)
    xp = x._backend.xp
    if isinstance(shift, Tensor):
        shift = shift.tolist()
    shifts = shift if isinstance(shift, (tuple, list)) else [shift]
    if not builtins.all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                        for s in shifts):
        raise TypeError(f"roll: shift must be an int or a tuple of ints; received {shift!r}")
    if axis is not None:
        axis = normalize_axis("roll", axis, x.ndim)
        axis = axis if isinstance(shift, (tuple, list)) or len(axis) > 1 else axis[0]
    out = xp.roll(x.data, shift, axis=axis)
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return record(out, (x,), lambda g: (xp.roll(g, back, axis=axis),), "roll")


def repeat(x, repeats, axis=None):
    """``numpy.repeat``; a gather under the hood, so the gradient sums the copies."""
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = _axis1("repeat", axis, x.ndim)
    reps = repeats.numpy() if isinstance(repeats, Tensor) else np.asarray(repeats)
    if (reps < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative; received {repeats!r}")
    idx = np.repeat(np.arange(x.shape[ax]), reps)  # small host index vector, moved by getitem
    return getitem(x, (builtins.slice(None),) * ax + (idx,))


def broadcast_to(x, shape):
    x = to_tensor(x)
    shape = tuple(int(s) for s in shape)
    xp = x._backend.xp
    from ..memory import check_allocation

    check_allocation(shape, x.dtype, "broadcast_to", x.device)  # refuse 2**40 before copying
    try:
        out = xp.array(xp.broadcast_to(x.data, shape))  # a real copy: views would alias
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return record(out, (x,), lambda g: (unbroadcast(g, x.shape),), "broadcast_to")


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
    a = _axis1("diagonal", axis1, x.ndim)
    b = _axis1("diagonal", axis2, x.ndim)
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


def trace(x, offset=0, axis1=0, axis2=1):
    return sum(diagonal(x, offset, axis1, axis2), -1)


def ravel(x):
    return reshape(x, (-1,))


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


def diff(a, n=1, axis=-1):
    x = to_tensor(a)
    ax = _axis1("diff", axis, x.ndim)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int; received {n!r}")
    pre = (builtins.slice(None),) * ax
    for _ in range(builtins.min(int(n), x.shape[ax])):  # past the axis size it stays empty
        x = getitem(x, pre + (builtins.slice(1, None),)) - \
            getitem(x, pre + (builtins.slice(None, -1),))
    return x


# ---- Keras-named nn / loss functional forms -----------------------------------------------------

def class_indices(op, x, num_classes):
    """``(x as an integer Tensor, num_classes as an int)`` checked for ``op``: integer dtype,
    a positive class count, every index below it (one host read of the maximum)."""
    x = to_tensor(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{op}: inputs must hold integers; received dtype {x.dtype}")
    n = int(num_classes)
    if n <= 0:
        raise ValueError(f"{op}: num_classes must be positive; received {num_classes!r}")
    if x.size and int(x.data.max()) >= n:
        raise ValueError(f"{op}: index {int(x.data.max())} is out of range for "
                         f"num_classes={n}")
    return x, n


def one_hot(x=None, num_classes=None, axis=-1, dtype=None, sparse=False, *, indices=None,
            depth=None):
    """Keras 3 ``one_hot(x, num_classes)``; ``one_hot(indices, depth)`` (TF names) also works.

    Negative indices give an all-zero row (as Keras); indices >= num_classes are an error.
    """
    x = indices if x is None else x
    num_classes = depth if num_classes is None else num_classes
    if x is None or num_classes is None:
        raise TypeError("one_hot needs x and num_classes, e.g. one_hot(labels, 10)")
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported by cuflow")
    x, n = class_indices("one_hot", x, num_classes)
    xp = x._backend.xp
    out = (x.data[..., None] == xp.arange(n)).astype(dtype or "float32")
    if axis not in (-1, x.ndim):
        out = xp.moveaxis(out, -1, axis)
    return _const(out, x._backend)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (same shape as ``output``), as ``keras.ops``."""
    from .. import losses
    from .shape import expand_dims

    out = to_tensor(output)
    return losses.binary_crossentropy(expand_dims(to_tensor(target, out), -1),
                                      expand_dims(out, -1), from_logits=from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample crossentropy over ``axis`` (one-hot / soft targets)."""
    from .. import losses

    out = to_tensor(output)
    target = to_tensor(target, out)
    if target.shape != out.shape:
        raise ValueError(f"categorical_crossentropy: target and output need the same shape; "
                         f"received {target.shape} and {out.shape}")
    return losses.categorical_crossentropy(target, out, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample crossentropy with integer class ``target``."""
    from .. import losses

    return losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits,
                                                  axis=axis)


# ---- control flow (eager: plain Python loops) ---------------------------------------------------

def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


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

