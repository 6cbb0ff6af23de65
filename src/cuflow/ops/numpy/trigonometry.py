"""Trigonometric and hyperbolic functions, and their inverses."""

from __future__ import annotations

from .._core import check_float, operands, record, unbroadcast
from ._elementwise import _unary

sin = _unary("sin", lambda xp, x: xp.sin(x), lambda xp, x, y, g: g * xp.cos(x))
cos = _unary("cos", lambda xp, x: xp.cos(x), lambda xp, x, y, g: -g * xp.sin(x))
tan = _unary("tan", lambda xp, x: xp.tan(x), lambda xp, x, y, g: g * (1 + y * y))
arcsin = _unary("arcsin", lambda xp, x: xp.arcsin(x),
                lambda xp, x, y, g: g / xp.sqrt(1 - x * x))
arccos = _unary("arccos", lambda xp, x: xp.arccos(x),
                lambda xp, x, y, g: -g / xp.sqrt(1 - x * x))
arctan = _unary("arctan", lambda xp, x: xp.arctan(x), lambda xp, x, y, g: g / (1 + x * x))


def arctan2(x1, x2):
    """Angle of (x2, x1); gradients (x2, -x1) / (x1² + x2²)."""
    bk, a, b = operands("arctan2", x1, x2)
    check_float("arctan2", a)
    out = bk.xp.arctan2(a.data, b.data)

    def backward(g):
        r = a.data * a.data + b.data * b.data
        return (unbroadcast(g * b.data / r, a.shape) if a.requires_grad else None,
                unbroadcast(-g * a.data / r, b.shape) if b.requires_grad else None)

    return record(out, (a, b), backward, "arctan2", bk)


sinh = _unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, x, y, g: g * xp.cosh(x))
cosh = _unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, x, y, g: g * xp.sinh(x))
arcsinh = _unary("arcsinh", lambda xp, x: xp.arcsinh(x),
                 lambda xp, x, y, g: g / xp.sqrt(x * x + 1))
arccosh = _unary("arccosh", lambda xp, x: xp.arccosh(x),
                 lambda xp, x, y, g: g / xp.sqrt(x * x - 1))
arctanh = _unary("arctanh", lambda xp, x: xp.arctanh(x), lambda xp, x, y, g: g / (1 - x * x))


__all__ = [
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "cos", "cosh", "sin",
    "sinh", "tan"
]
