"""More elementwise NumPy functions: fmod, gcd / lcm, hypot, cbrt, deg2rad / rad2deg, fabs,
fmax / fmin, heaviside, i0, sinc, ldexp, logaddexp2, nextafter, the sign-bit and infinity
predicates, angle and allclose.

Integer and bool inputs of the float-valued ones promote to floatx() as Keras does
(``result_type(dtype, float)``); the differentiable ones record their derivative (fmax / fmin
route the gradient to the operand they pick; a NaN operand is never picked).
"""

from __future__ import annotations

import math

import numpy as np

from .._core import const, operands, record, to_tensor, unbroadcast
from ._elementwise import _binary, _unary, to_float


def _float_pair(op, x1, x2):
    """Both operands as Tensors on one device, promoted to their common floating dtype."""
    bk, a, b = operands(op, x1, x2)
    a, b = to_float(a), to_float(b)
    dt = np.result_type(a.dtype, b.dtype)
    if a.dtype != dt:
        a = const(a.data.astype(dt), bk)
    if b.dtype != dt:
        b = const(b.data.astype(dt), bk)
    return bk, a, b


def _grads(a, b, ga, gb):
    return (unbroadcast(ga, a.shape) if a.requires_grad and ga is not None else None,
            unbroadcast(gb, b.shape) if b.requires_grad and gb is not None else None)


def fmod(x1, x2):
    """Remainder of truncated division (sign of the dividend), ``numpy.fmod``.

    d/dx1 = 1, d/dx2 = -trunc(x1 / x2). Integer operands give an integer result (bool: int32).
    """
    bk, a, b = operands("fmod", x1, x2)
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        a, b = const(a.data.astype(np.int32), bk), const(b.data.astype(np.int32), bk)
    xp = bk.xp
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xp.fmod(a.data, b.data)
    if out.dtype.kind != "f":
        return const(out, bk)
    return record(out, (a, b), lambda g: _grads(a, b, g, -g * xp.trunc(a.data / b.data)),
                  "fmod", bk)


def _int_pair(op, x1, x2):
    bk, a, b = operands(op, x1, x2)
    for t in (a, b):
        if t.dtype.kind not in "iub":
            raise TypeError(f"{op} needs integer tensors; received dtype {t.dtype}")
    return bk, a, b


def gcd(x1, x2):
    """Greatest common divisor, elementwise (integers; not differentiable)."""
    bk, a, b = _int_pair("gcd", x1, x2)
    return const(bk.xp.gcd(a.data, b.data), bk)


def lcm(x1, x2):
    """Least common multiple, elementwise (integers; not differentiable)."""
    bk, a, b = _int_pair("lcm", x1, x2)
    return const(bk.xp.lcm(a.data, b.data), bk)


def hypot(x1, x2):
    """sqrt(x1² + x2²) without overflow; d/dx1 = x1 / h (0 where h == 0)."""
    bk, a, b = _float_pair("hypot", x1, x2)
    xp = bk.xp
    out = xp.hypot(a.data, b.data)

    def backward(g):
        safe = xp.where(out == 0, 1, out)
        return _grads(a, b, g * a.data / safe, g * b.data / safe)

    return record(out, (a, b), backward, "hypot", bk)


def ldexp(x1, x2):
    """x1 * 2**x2 (x2 integer); d/dx1 = 2**x2."""
    bk, a, b = operands("ldexp", x1, x2)
    if b.dtype.kind not in "iub":
        raise TypeError(f"ldexp: the exponent must be an integer tensor; received dtype "
                        f"{b.dtype}")
    a = to_float(a)
    xp = bk.xp
    out = xp.ldexp(a.data, b.data.astype(np.int32)).astype(a.dtype)
    return record(out, (a,), lambda g: (unbroadcast(g * xp.exp2(b.data.astype(a.dtype)),
                                                    a.shape),), "ldexp", bk)


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2) without overflow."""
    bk, a, b = _float_pair("logaddexp2", x1, x2)
    xp = bk.xp
    out = xp.logaddexp2(a.data, b.data)

    def backward(g):
        return _grads(a, b, g * xp.exp2(a.data - out), g * xp.exp2(b.data - out))

    return record(out, (a, b), backward, "logaddexp2", bk)


def nextafter(x1, x2):
    """The next representable value after x1 towards x2 (not differentiable)."""
    bk, a, b = _float_pair("nextafter", x1, x2)
    return const(bk.xp.nextafter(a.data, b.data), bk)


def _nan_ignoring(op, pick_first):
    def fn(x1, x2):
        bk, a, b, out = _binary(op, x1, x2, lambda xp, x, y: getattr(xp, op)(x, y))
        if out.dtype.kind != "f":
            return const(out, bk)
        xp = bk.xp

        def backward(g):
            first = pick_first(xp, a.data, b.data)
            return _grads(a, b, g * first, g * ~first)

        return record(out, (a, b), backward, op, bk)

    fn.__name__ = op
    return fn


fmax = _nan_ignoring("fmax", lambda xp, a, b: (a >= b) | xp.isnan(b))
fmax.__doc__ = "Elementwise maximum ignoring NaN (NaN only where both are NaN)."
fmin = _nan_ignoring("fmin", lambda xp, a, b: (a <= b) | xp.isnan(b))
fmin.__doc__ = "Elementwise minimum ignoring NaN (NaN only where both are NaN)."


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0; the gradient reaches x2 only."""
    bk, a, b = operands("heaviside", x1, x2)
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        a, b = to_float(a), to_float(b)
    xp = bk.xp
    out = xp.heaviside(a.data, b.data)
    if out.dtype.kind != "f":
        return const(out, bk)
    return record(out, (a, b), lambda g: _grads(a, b, None, g * (a.data == 0)), "heaviside", bk)


# ---- unary --------------------------------------------------------------------------------------

cbrt = _unary("cbrt", lambda xp, x: xp.cbrt(x), lambda xp, x, y, g: g / (3 * y * y))
deg2rad = _unary("deg2rad", lambda xp, x: x * (math.pi / 180),
                 lambda xp, x, y, g: g * (math.pi / 180))
rad2deg = _unary("rad2deg", lambda xp, x: x * (180 / math.pi),
                 lambda xp, x, y, g: g * (180 / math.pi))
fabs = _unary("fabs", lambda xp, x: xp.fabs(x), lambda xp, x, y, g: g * xp.sign(x))


def _i0(xp, x):
    return xp.i0(x) if xp is np else _i0_cupy(x)


def _i0_cupy(x):  # pragma: no cover - GPU
    import cupyx.scipy.special

    return cupyx.scipy.special.i0(x)


def _i1(xp, x):
    """I1 by its power series sum (x/2)^(2k+1) / (k! (k+1)!), enough terms for |x| <= 700."""
    if xp is not np:  # pragma: no cover - GPU
        import cupyx.scipy.special

        return cupyx.scipy.special.i1(x)
    h = x / 2
    term = h.copy()
    total = term.copy()
    for k in range(1, 1000):
        term = term * h * h / (k * (k + 1))
        total = total + term
        if not np.any(np.abs(term) > 1e-17 * np.abs(total)):
            break
    return total


def _i0_checked(xp, x):
    return _i0(xp, x).astype(x.dtype, copy=False)


i0 = _unary("i0", _i0_checked, lambda xp, x, y, g: g * _i1(xp, x.astype(np.float64))
            .astype(x.dtype))
i0.__doc__ = "Modified Bessel function of the first kind, order 0; d/dx = I1(x)."


def _sinc_grad(xp, x, y, g):
    px = math.pi * x
    safe = xp.where(x == 0, 1, px)
    d = (xp.cos(px) * math.pi - y * math.pi) / safe  # (cos(pi x) - sinc(x)) / x
    return g * xp.where(x == 0, 0, d)


sinc = _unary("sinc", lambda xp, x: xp.sinc(x), _sinc_grad)
sinc.__doc__ = "Normalised sinc, sin(pi x) / (pi x), with sinc(0) = 1."


def signbit(x):
    """True where the sign bit is set (negative numbers and -0.0)."""
    x = to_tensor(x)
    return const(x._backend.xp.signbit(x.data), x._backend)


def isneginf(x):
    """True where x is -inf."""
    x = to_tensor(x)
    xp = x._backend.xp
    return const(xp.isneginf(x.data) if x.dtype.kind == "f" else xp.zeros(x.shape, bool),
                 x._backend)


def isposinf(x):
    """True where x is +inf."""
    x = to_tensor(x)
    xp = x._backend.xp
    return const(xp.isposinf(x.data) if x.dtype.kind == "f" else xp.zeros(x.shape, bool),
                 x._backend)


def isreal(x):
    """True where the imaginary part is 0 (everywhere for a real tensor)."""
    x = to_tensor(x)
    return const(x._backend.xp.isreal(x.data), x._backend)


def angle(x):
    """The complex argument (floating); for real tensors pi for negative values, else 0
    (floatx() for integer inputs)."""
    x = to_tensor(x)
    xp = x._backend.xp
    if x.dtype.kind == "c":
        return const(xp.angle(x.data), x._backend)
    x = to_float(x)
    return const(xp.angle(x.data).astype(x.dtype), x._backend)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every |x1 - x2| <= atol + rtol |x2| (a bool scalar tensor)."""
    bk, a, b = operands("allclose", x1, x2)
    xp = bk.xp
    return const(xp.asarray(xp.allclose(a.data, b.data, rtol=rtol, atol=atol,
                                        equal_nan=equal_nan)), bk)


__all__ = [
    "allclose", "angle", "cbrt", "deg2rad", "fabs", "fmax", "fmin", "fmod", "gcd", "heaviside",
    "hypot", "i0", "isneginf", "isposinf", "isreal", "lcm", "ldexp", "logaddexp2", "nextafter",
    "rad2deg", "signbit", "sinc"
]
