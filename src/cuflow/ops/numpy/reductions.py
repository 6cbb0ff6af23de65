"""Reductions over axes, with keepdims, and their gradients: sum, mean, max / min, prod, var /
std, arg-extrema, average, count_nonzero, cumulative sums and products, quantiles."""

from __future__ import annotations

import builtins
import math

import numpy as np

from .._core import check_float, const, normalize_axis, record, single_axis, to_tensor
from .arithmetic import divide
from .shape import reshape, transpose

# ---- sums and means -----------------------------------------------------------------------------

def _expand(g, x_ndim, axes, keepdims):
    """Reinsert reduced axes into ``g`` so it broadcasts against the input."""
    if keepdims:
        return g
    shape = list(g.shape)
    for ax in sorted(axes):
        shape.insert(ax, 1)
    return g.reshape(shape)


def _count(shape, axes):
    return math.prod(shape[a] for a in axes)


def sum(x, axis=None, keepdims=False):
    x = to_tensor(x)
    axes = normalize_axis("sum", axis, x.ndim)
    xp = x._backend.xp
    out = xp.sum(x.data, axis=axes, keepdims=keepdims)
    if x.dtype.kind == "b":
        out = out.astype("int64")

    def backward(g):
        return (xp.broadcast_to(_expand(g, x.ndim, axes, keepdims), x.shape),)

    return record(out, (x,), backward, "sum")


def mean(x, axis=None, keepdims=False):
    x = to_tensor(x)
    axes = normalize_axis("mean", axis, x.ndim)
    xp = x._backend.xp
    if x.dtype.kind != "f":
        x = to_tensor(x.data.astype("float32"))
    out = xp.mean(x.data, axis=axes, keepdims=keepdims) if x.size else \
        xp.full(_reduced_shape(x.shape, axes, keepdims), xp.nan, dtype=x.dtype)
    n = _count(x.shape, axes)

    def backward(g):
        return (xp.broadcast_to(_expand(g, x.ndim, axes, keepdims) / builtins.max(n, 1), x.shape),)

    return record(out, (x,), backward, "mean")


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def average(x, axis=None, weights=None):
    x = to_tensor(x)
    if weights is None:
        return mean(x, axis)
    w = to_tensor(weights, x)
    if w.ndim == 1 and x.ndim > 1 and axis is not None:  # NumPy: 1-D weights along ``axis``
        ax = single_axis("average", axis, x.ndim)
        w = reshape(w, tuple(-1 if i == ax else 1 for i in range(x.ndim)))
    return divide(sum(x * w, axis), sum(w * (x * 0 + 1), axis))


def count_nonzero(x, axis=None):
    x = to_tensor(x)
    axes = normalize_axis("count_nonzero", axis, x.ndim)
    out = (x.data != 0).sum(axis=axes).astype("int64")
    return const(out, x._backend)


# ---- extrema ------------------------------------------------------------------------------------

def _extremum(op, reducer):
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        axes = normalize_axis(op, axis, x.ndim)
        if x.size == 0 and any(x.shape[a] == 0 for a in axes):
            raise ValueError(f"{op}: cannot reduce over an empty axis (shape {x.shape}, "
                             f"axis {axis})")
        xp = x._backend.xp
        out = getattr(xp, reducer)(x.data, axis=axes, keepdims=keepdims)

        def backward(g):
            y = _expand(out, x.ndim, axes, keepdims)
            hit = (x.data == y)
            # ties share the gradient equally (the average of the subgradients)
            share = hit / hit.sum(axis=axes, keepdims=True)
            return (share.astype(g.dtype) * _expand(g, x.ndim, axes, keepdims),)

        return record(out, (x,), backward, op)

    fn.__name__ = op
    return fn


max = _extremum("max", "amax")
min = _extremum("min", "amin")
amax = max


def amin(x, axis=None, keepdims=False):
    return min(x, axis, keepdims)


def _arg(op):
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        if axis is not None:
            (axis,) = normalize_axis(op, axis, x.ndim)
        if x.size == 0:
            raise ValueError(f"{op}: cannot take {op} of an empty tensor (shape {x.shape})")
        xp = x._backend.xp
        data = x.data
        if data.dtype.kind == "f" and data.ndim:  # -0.0 ranks below 0.0, as Keras
            neg_zero = (data == 0) & xp.signbit(data)
            data = xp.where(neg_zero, -np.finfo(data.dtype).tiny, data)
        out = getattr(xp, op)(data, axis=axis, keepdims=keepdims).astype("int32")
        return const(out, x._backend)

    fn.__name__ = op
    fn.__doc__ = f"Index of the {op[3:]}imum over ``axis`` (flattened for None); int32, as Keras."
    return fn


argmax = _arg("argmax")
argmin = _arg("argmin")


# ---- products, moments --------------------------------------------------------------------------

def prod(x, axis=None, keepdims=False):
    x = to_tensor(x)
    axes = normalize_axis("prod", axis, x.ndim)
    xp = x._backend.xp
    out = xp.prod(x.data, axis=axes, keepdims=keepdims)

    def backward(g):
        # product of all other elements, exact with zeros: exclusive cumprods from both sides
        keep = [i for i in range(x.ndim) if i not in axes]
        perm = keep + list(axes)
        moved = xp.transpose(x.data, perm)
        flat = moved.reshape(moved.shape[:len(keep)] + (-1,))
        ones = xp.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.concatenate(
            [ones, xp.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = (left * right).reshape(moved.shape)
        inv = [perm.index(i) for i in range(x.ndim)]
        others = xp.transpose(others, inv)
        return (others * _expand(g, x.ndim, axes, keepdims),)

    return record(out, (x,), backward, "prod")


def var(x, axis=None, keepdims=False):
    """Population variance (ddof=0), as ``tf.math.reduce_variance``; integers give floatx()."""
    from ._elementwise import to_float

    x = to_float(x)
    check_float("var", x)
    d = x - mean(x, axis, keepdims=True)
    return mean(d * d, axis, keepdims)


def std(x, axis=None, keepdims=False):
    from ._elementwise import to_float

    x = to_float(x)
    check_float("std", x)
    v = var(x, axis, keepdims)
    xp = v._backend.xp
    out = xp.sqrt(v.data)

    def backward(g):
        # d sqrt(v) = g / (2 sqrt(v)); at v == 0 (constant or single-element input) use the
        # subgradient 0, the true derivative for one element, instead of inf * 0 = NaN
        safe = xp.where(out > 0, out, 1)
        return (xp.where(out > 0, g / (2 * safe), 0).astype(g.dtype, copy=False),)

    return record(out, (v,), backward, "std")


# ---- scans --------------------------------------------------------------------------------------

def _flat_or_axis(op, x, axis):
    if axis is None:
        return reshape(x, (-1,)), 0
    return x, single_axis(op, axis, x.ndim)


def cumsum(x, axis=None, dtype=None):
    x = to_tensor(x)
    x, ax = _flat_or_axis("cumsum", x, axis)
    xp = x._backend.xp
    out = xp.cumsum(x.data, axis=ax, dtype=dtype)
    if out.dtype.kind != "f" or x.dtype.kind != "f":
        return const(out, x._backend)

    def backward(g):  # each input feeds every later output: a reversed cumulative sum
        return (xp.flip(xp.cumsum(xp.flip(g, ax), axis=ax), ax).astype(x.dtype),)

    return record(out, (x,), backward, "cumsum")


def cumprod(x, axis=None, dtype=None):
    x = to_tensor(x)
    x, ax = _flat_or_axis("cumprod", x, axis)
    xp = x._backend.xp
    out = xp.cumprod(x.data, axis=ax, dtype=dtype)
    if out.dtype.kind != "f" or x.dtype.kind != "f":
        return const(out, x._backend)

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


# ---- quantiles ----------------------------------------------------------------------------------

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _to_last(op, x, axis):
    """``x`` with the ``axis`` axes flattened into one last axis, and the kept-dims shape."""
    if axis is None:
        return reshape(x, (-1,)), (1,) * x.ndim
    axes = normalize_axis(op, axis, x.ndim)
    rest = [i for i in range(x.ndim) if i not in axes]
    xt = transpose(x, rest + list(axes)) if rest + list(axes) != list(range(x.ndim)) else x
    xt = reshape(xt, tuple(x.shape[i] for i in rest) + (-1,))
    keep = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    return xt, keep


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (q in [0, 1]) over ``axis``, ``numpy.quantile``.

    A scalar ``q`` gives the reduced shape; a 1-D ``q`` puts its axis first. Integer and bool
    inputs give floatx() (as Keras). A slice holding NaN gives NaN. Differentiable: the sort
    routes each gradient back to the values the interpolation used.
    """
    return _quantile_core("quantile", x, q, axis, method, keepdims)


def _quantile_core(op, x, q, axis, method, keepdims, skip_nan=False):
    """quantile / percentile / nanquantile: with ``skip_nan`` each slice uses only its non-NaN
    entries (NaN sorts last, so they are the first ``n_valid`` sorted values)."""
    from ._elementwise import to_float
    from .indexing import take_along_axis
    from .logic import where
    from .shape import moveaxis
    from .sorting import sort

    if method not in _METHODS:
        raise ValueError(f"{op}: method must be one of {', '.join(_METHODS)}; received "
                         f"{method!r}")
    x = to_float(x)
    xp = x._backend.xp
    qt = to_tensor(q, x)
    if qt.ndim > 1:
        raise ValueError(f"{op}: q must be a scalar or 1-D; received shape {qt.shape}")
    qd = qt.data.astype(np.float64)
    if bool(xp.any((qd < 0) | (qd > 1))):
        raise ValueError(f"{op}: q must be in [0, 1] (percentiles in [0, 100])")
    xt, keep = _to_last(op, x, axis)
    n = xt.shape[-1]
    if n == 0:
        raise ValueError(f"{op}: cannot take a quantile over an empty axis")
    s = sort(xt, -1)
    nan = xp.isnan(xt.data)
    lead = xt.shape[:-1]
    nq = qd.size
    count = (n - nan.sum(-1)) if skip_nan else xp.full(lead, n)
    pos = qd.reshape((1,) * len(lead) + (nq,)) * (count[..., None] - 1).astype(np.float64)
    pos = xp.maximum(pos, 0)
    lo = xp.floor(pos)
    hi = xp.ceil(pos)
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, xp.zeros_like(frac)
    elif method == "higher":
        lo, frac = hi, xp.zeros_like(frac)
    elif method == "nearest":
        lo = hi = xp.round(pos)  # ties to even, as NumPy's 'nearest'
        frac = xp.zeros_like(frac)
    elif method == "midpoint":
        frac = xp.where(hi > lo, 0.5, 0.0)

    def pick(idx):
        i = xp.broadcast_to(idx.astype(np.int64), lead + (nq,))
        return take_along_axis(s, const(xp.ascontiguousarray(i), x._backend), -1)

    vlo, vhi = pick(lo), pick(hi)
    f = const(frac.astype(x.dtype), x._backend)
    out = vlo + (vhi - vlo) * f  # (..., nq)
    exact = xp.broadcast_to(frac == 0, out.shape)
    if bool(exact.any()):  # no interpolation there: keep +-inf values (inf - inf would be NaN)
        out = where(const(exact, x._backend), vlo, out)
    bad = (count == 0) if skip_nan else nan.any(-1)
    if bool(bad.any()):
        out = where(const(xp.broadcast_to(bad[..., None], out.shape), x._backend),
                    float("nan"), out)
    out = moveaxis(out, -1, 0)  # (nq, ...)
    if keepdims:
        out = reshape(out, (nq,) + keep)
    if qt.ndim == 0:
        out = reshape(out, out.shape[1:])
    return out


def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for an even count)."""
    return quantile(x, 0.5, axis=axis, method="linear", keepdims=keepdims)


__all__ = [
    "amax", "amin", "argmax", "argmin", "average", "count_nonzero", "cumprod", "cumsum", "max",
    "mean", "median", "min", "prod", "quantile", "std", "sum", "var"
]
