"""Reductions over axes, with keepdims, and their gradients."""

from __future__ import annotations

import builtins
import math

from ._core import check_float, normalize_axis, record, to_tensor


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
    """Population variance (ddof=0), as ``tf.math.reduce_variance``."""
    x = to_tensor(x)
    check_float("var", x)
    d = x - mean(x, axis, keepdims=True)
    return mean(d * d, axis, keepdims)


def std(x, axis=None, keepdims=False):
    x = to_tensor(x)
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


def _arg(op):
    def fn(x, axis=None):
        x = to_tensor(x)
        if axis is not None:
            (axis,) = normalize_axis(op, axis, x.ndim)
        if x.size == 0:
            raise ValueError(f"{op}: cannot take {op} of an empty tensor (shape {x.shape})")
        xp = x._backend.xp
        from ..tensor import Tensor

        out = getattr(xp, op)(x.data, axis=axis).astype("int64")
        return Tensor._wrap(out, backend=x._backend)

    fn.__name__ = op
    return fn


argmax = _arg("argmax")
argmin = _arg("argmin")


def logsumexp(x, axis=-1, keepdims=False):
    """Stable log(sum(exp(x))) over ``axis``."""
    x = to_tensor(x)
    check_float("logsumexp", x)
    axes = normalize_axis("logsumexp", axis, x.ndim)
    xp = x._backend.xp
    m = xp.amax(x.data, axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(x.data - m)
    s = xp.sum(e, axis=axes, keepdims=True)
    out_k = xp.log(s) + m
    out = out_k if keepdims else xp.squeeze(out_k, axis=axes)

    def backward(g):
        return (e / s * _expand(g, x.ndim, axes, keepdims),)

    return record(out, (x,), backward, "logsumexp")
