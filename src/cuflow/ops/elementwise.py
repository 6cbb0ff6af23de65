"""Elementwise arithmetic and math functions with broadcasting-correct gradients."""

from __future__ import annotations

from ._core import (
    broadcast_error,
    check_float,
    operands,
    record,
    to_tensor,
    unbroadcast,
)


def _binary(op, a, b, compute):
    bk, a, b = operands(op, a, b)
    try:
        out = compute(bk.xp, a.data, b.data)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    return bk, a, b, out


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


def _compare(op, fn):
    def compare(a, b):
        bk, a, b, out = _binary(op, a, b, fn)
        return _const(out, bk)

    compare.__name__ = op
    compare.__doc__ = f"Elementwise ``{op}`` (a bool tensor; not differentiable)."
    return compare


def _const(out, bk):
    from ..tensor import Tensor

    return Tensor._wrap(out, backend=bk)


less = _compare("less", lambda xp, x, y: x < y)
less_equal = _compare("less_equal", lambda xp, x, y: x <= y)
greater = _compare("greater", lambda xp, x, y: x > y)
greater_equal = _compare("greater_equal", lambda xp, x, y: x >= y)
equal = _compare("equal", lambda xp, x, y: x == y)
not_equal = _compare("not_equal", lambda xp, x, y: x != y)


def _unary(op, forward, backward_fn, needs_float=True):
    """An elementwise op from ``forward(xp, x)`` and ``backward_fn(xp, x, y, g)``."""

    def fn(x):
        x = to_tensor(x)
        if needs_float:
            check_float(op, x)
        xp = x._backend.xp
        y = forward(xp, x.data)
        if backward_fn is None:
            return _const(y, x._backend)
        return record(y, (x,), lambda g: (backward_fn(xp, x.data, y, g),), op)

    fn.__name__ = op
    return fn


negative = _unary("negative", lambda xp, x: -x, lambda xp, x, y, g: -g, needs_float=False)
exp = _unary("exp", lambda xp, x: xp.exp(x), lambda xp, x, y, g: g * y)
log = _unary("log", lambda xp, x: xp.log(x), lambda xp, x, y, g: g / x)
sqrt = _unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, x, y, g: g / (2 * y))
square = _unary("square", lambda xp, x: x * x, lambda xp, x, y, g: g * 2 * x, needs_float=False)
abs = _unary("abs", lambda xp, x: xp.abs(x), lambda xp, x, y, g: g * xp.sign(x),
             needs_float=False)
sign = _unary("sign", lambda xp, x: xp.sign(x), None, needs_float=False)
sin = _unary("sin", lambda xp, x: xp.sin(x), lambda xp, x, y, g: g * xp.cos(x))
cos = _unary("cos", lambda xp, x: xp.cos(x), lambda xp, x, y, g: -g * xp.sin(x))
log1p = _unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, x, y, g: g / (1 + x))
expm1 = _unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, x, y, g: g * (y + 1))
reciprocal = _unary("reciprocal", lambda xp, x: 1 / x, lambda xp, x, y, g: -g * y * y)
rsqrt = _unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda xp, x, y, g: -0.5 * g * y ** 3)
floor = _unary("floor", lambda xp, x: xp.floor(x), None)
ceil = _unary("ceil", lambda xp, x: xp.ceil(x), None)
round = _unary("round", lambda xp, x: xp.round(x), None)


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


def where(condition, x, y):
    """``x`` where ``condition`` else ``y``, broadcasting all three."""
    bk, x, y = operands("where", x, y)
    cond = to_tensor(condition, x)
    if cond._backend is not bk:
        raise ValueError(f"where: condition is on {cond.device!r}, operands on {bk.device!r}")
    c = cond.data.astype(bool)
    try:
        out = bk.xp.where(c, x.data, y.data)
    except ValueError:
        raise ValueError(f"where: shapes {cond.shape}, {x.shape} and {y.shape} cannot be "
                         f"broadcast together") from None

    def backward(g):
        zero = bk.xp.zeros((), dtype=g.dtype)
        return (unbroadcast(bk.xp.where(c, g, zero), x.shape) if x.requires_grad else None,
                unbroadcast(bk.xp.where(c, zero, g), y.shape) if y.requires_grad else None)

    return record(out, (x, y), backward, "where", bk)
