"""Elementwise arithmetic with broadcasting-correct gradients: add ... power, maximum / minimum,
exp / log families, rounding, clip, mod, nan_to_num, diff."""

from __future__ import annotations

import builtins
import math

import numpy as np

from .._core import check_float, const, operands, record, single_axis, to_tensor, unbroadcast
from ._elementwise import _binary, _unary, to_float
from .indexing import getitem
from .logic import where

# ---- binary -------------------------------------------------------------------------------------

def add(a, b):
    bk, a, b, out = _binary("add", a, b, lambda xp, x, y: x + y)

    def backward(g):
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(g, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "add", bk)


def subtract(a, b):
    bk, a, b, out = _binary("subtract", a, b, lambda xp, x, y: x - y)

    def backward(g):
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(-g, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "subtract", bk)


def multiply(a, b):
    bk, a, b, out = _binary("multiply", a, b, lambda xp, x, y: x * y)

    def backward(g):
        return (unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
                unbroadcast(g * a.data, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "multiply", bk)


def divide(a, b):
    bk, a, b, out = _binary("divide", a, b, lambda xp, x, y: x / y)

    def backward(g):
        ga = unbroadcast(g / b.data, a.shape) if a.requires_grad else None
        gb = unbroadcast(-g * out / b.data, b.shape) if b.requires_grad else None
        return ga, gb

    return record(out, (a, b), backward, "divide", bk)


true_divide = divide


def power(a, b):
    bk, a, b, out = _binary("power", a, b, lambda xp, x, y: x ** y)
    xp = bk.xp

    def backward(g):
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(g * b.data * a.data ** (b.data - 1), a.shape)
        if b.requires_grad:
            # d/db a**b = a**b log a; defined as 0 where a == 0 (the limit for b > 0)
            safe = xp.where(a.data > 0, a.data, 1)
            gb = unbroadcast(g * out * xp.log(safe), b.shape)
        return ga, gb

    return record(out, (a, b), backward, "power", bk)


pow = power


def maximum(a, b):
    bk, a, b, out = _binary("maximum", a, b, lambda xp, x, y: xp.maximum(x, y))

    def backward(g):
        pick_a = a.data >= b.data  # ties go to the first operand, as TensorFlow does
        return (unbroadcast(g * pick_a, a.shape) if a.requires_grad else None,
                unbroadcast(g * ~pick_a, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "maximum", bk)


def minimum(a, b):
    bk, a, b, out = _binary("minimum", a, b, lambda xp, x, y: xp.minimum(x, y))

    def backward(g):
        pick_a = a.data <= b.data
        return (unbroadcast(g * pick_a, a.shape) if a.requires_grad else None,
                unbroadcast(g * ~pick_a, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "minimum", bk)


def floor_divide(x1, x2):
    bk, a, b = operands("floor_divide", x1, x2)
    return const(bk.xp.floor_divide(a.data, b.data), bk)


def mod(x1, x2):
    """Python's modulo (sign of the divisor); d/dx1 = 1, d/dx2 = -floor(x1 / x2)."""
    bk, a, b = operands("mod", x1, x2)
    xp = bk.xp
    out = xp.mod(a.data, b.data)

    def backward(g):
        return (unbroadcast(g, a.shape) if a.requires_grad else None,
                unbroadcast(-g * xp.floor_divide(a.data, b.data), b.shape)
                if b.requires_grad else None)

    return record(out, (a, b), backward, "mod", bk)


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0 (no NaN in value or gradient)."""
    x1, x2 = to_tensor(x1), to_tensor(x2)
    zero = x2 == 0
    safe = where(zero, 1.0, x2) if x2.dtype.kind == "f" else where(zero, 1, x2)
    return where(zero, 0.0, divide(x1, safe))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow."""
    bk, a, b = operands("logaddexp", x1, x2)
    a, b = to_float(a), to_float(b)
    if a.dtype != b.dtype:
        dt = np.result_type(a.dtype, b.dtype)
        a, b = const(a.data.astype(dt), bk), const(b.data.astype(dt), bk)
    check_float("logaddexp", a)
    xp = bk.xp
    out = xp.logaddexp(a.data, b.data)

    def backward(g):
        return (unbroadcast(g * xp.exp(a.data - out), a.shape) if a.requires_grad else None,
                unbroadcast(g * xp.exp(b.data - out), b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "logaddexp", bk)


# ---- unary --------------------------------------------------------------------------------------

negative = _unary("negative", lambda xp, x: -x, lambda xp, x, y, g: -g, needs_float=False)
neg = negative
exp = _unary("exp", lambda xp, x: xp.exp(x), lambda xp, x, y, g: g * y)
log = _unary("log", lambda xp, x: xp.log(x), lambda xp, x, y, g: g / x)
sqrt = _unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, x, y, g: g / (2 * y))
square = _unary("square", lambda xp, x: x * x, lambda xp, x, y, g: g * 2 * x, needs_float=False)
abs = _unary("abs", lambda xp, x: xp.abs(x), lambda xp, x, y, g: g * xp.sign(x),
             needs_float=False)
sign = _unary("sign", lambda xp, x: xp.sign(x), None, needs_float=False)
log1p = _unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, x, y, g: g / (1 + x))
expm1 = _unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, x, y, g: g * (y + 1))
reciprocal = _unary("reciprocal", lambda xp, x: 1 / x, lambda xp, x, y, g: -g * y * y)
floor = _unary("floor", lambda xp, x: xp.floor(x), None)
ceil = _unary("ceil", lambda xp, x: xp.ceil(x), None)
_round_float = _unary("round", lambda xp, x: xp.round(x), None)


def round(x, decimals=0):
    """Round half to even (NumPy), to ``decimals`` places; integers keep their dtype (and with
    ``decimals < 0`` round to tens, hundreds ...). Piecewise constant: not differentiable."""
    x = to_tensor(x)
    if decimals == 0 and x.dtype.kind == "f":
        return _round_float(x)
    return const(x._backend.xp.round(x.data, decimals=int(decimals)).astype(x.dtype), x._backend)

log2 = _unary("log2", lambda xp, x: xp.log2(x), lambda xp, x, y, g: g / (x * math.log(2)))
log10 = _unary("log10", lambda xp, x: xp.log10(x), lambda xp, x, y, g: g / (x * math.log(10)))
exp2 = _unary("exp2", lambda xp, x: xp.exp2(x), lambda xp, x, y, g: g * y * math.log(2))
_trunc_float = _unary("trunc", lambda xp, x: xp.trunc(x), None)


def trunc(x):
    """Round towards zero; integer and bool tensors are returned unchanged (as Keras)."""
    x = to_tensor(x)
    return x if x.dtype.kind in "biu" else _trunc_float(x)
absolute = _unary("absolute", lambda xp, x: xp.abs(x), lambda xp, x, y, g: g * xp.sign(x),
                  needs_float=False)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = to_tensor(x)
    xp = x._backend.xp
    out = xp.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return record(out, (x,), lambda g: (g * xp.isfinite(x.data),), "nan_to_num")


def clip(x, clip_value_min, clip_value_max):
    """Values limited to [min, max]; the gradient passes where x is inside (inclusive)."""
    x = to_tensor(x)
    lo = to_tensor(clip_value_min, x)
    hi = to_tensor(clip_value_max, x)
    xp = x._backend.xp
    out = xp.clip(x.data, lo.data, hi.data)
    if out.dtype != x.dtype:
        out = out.astype(x.dtype)

    def backward(g):
        inside = (x.data >= lo.data) & (x.data <= hi.data)
        return (g * inside,)

    return record(out, (x,), backward, "clip")


def diff(a, n=1, axis=-1):
    x = to_tensor(a)
    ax = single_axis("diff", axis, x.ndim)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int; received {n!r}")
    pre = (builtins.slice(None),) * ax
    for _ in range(builtins.min(int(n), x.shape[ax])):  # past the axis size it stays empty
        x = getitem(x, pre + (builtins.slice(1, None),)) - \
            getitem(x, pre + (builtins.slice(None, -1),))
    return x


__all__ = [
    "abs", "absolute", "add", "ceil", "clip", "diff", "divide", "divide_no_nan", "exp", "exp2",
    "expm1", "floor", "floor_divide", "log", "log10", "log1p", "log2", "logaddexp", "maximum",
    "minimum", "mod", "multiply", "nan_to_num", "neg", "negative", "pow", "power", "reciprocal",
    "round", "sign", "sqrt", "square", "subtract", "true_divide", "trunc"
]
