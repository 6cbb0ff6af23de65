"""Statistics and calculus over tensors: corrcoef, trapezoid, vander, inner — composed from
differentiable ops."""

from __future__ import annotations

from .._core import single_axis, to_tensor
from ._elementwise import to_float
from .indexing import getitem
from .products import tensordot
from .reductions import mean, sum
from .shape import expand_dims, reshape, stack


def inner(x1, x2):
    """Sum product over the last axes (a scalar times a tensor for a 0-d operand)."""
    a, b = to_tensor(x1), to_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last dimensions must match; received shapes {a.shape} "
                         f"and {b.shape}")
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def corrcoef(x):
    """Pearson correlation coefficients of the rows of ``x`` (each row a variable), clipped to
    [-1, 1] as NumPy; integers give floatx()."""
    from .arithmetic import clip, sqrt

    x = to_float(x)
    if x.ndim == 1:
        x = reshape(x, (1, -1))
    if x.ndim != 2:
        raise ValueError(f"corrcoef needs a 1-D or 2-D tensor; received shape {x.shape}")
    d = x - mean(x, 1, keepdims=True)
    cov = tensordot(d, d, axes=([1], [1]))
    var = sum(d * d, 1)
    den = sqrt(expand_dims(var, 1) * expand_dims(var, 0))
    out = clip(cov / den, -1.0, 1.0)
    return reshape(out, ()) if out.shape == (1, 1) else out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, with sample points ``x`` or a
    constant spacing ``dx``."""
    y = to_float(y)
    ax = single_axis("trapezoid", axis, y.ndim)
    pre = (slice(None),) * ax
    hi, lo = getitem(y, pre + (slice(1, None),)), getitem(y, pre + (slice(None, -1),))
    if x is None:
        d = to_tensor(dx, y)
    else:
        x = to_float(to_tensor(x, y))
        if x.ndim == 1:
            shape = [1] * y.ndim
            shape[ax] = x.shape[0]
            x = reshape(x, tuple(shape))
            d = getitem(x, pre + (slice(1, None),)) - getitem(x, pre + (slice(None, -1),))
        else:
            xa = single_axis("trapezoid", axis, x.ndim)
            xpre = (slice(None),) * xa
            d = getitem(x, xpre + (slice(1, None),)) - getitem(x, xpre + (slice(None, -1),))
    return sum(d * (hi + lo), ax) / 2.0


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of the 1-D ``x``: columns x**(N-1) ... x**0 (or increasing)."""
    x = to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander needs a 1-D tensor; received shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative; received {N!r}")
    cols = []
    one = x * 0 + 1
    p = one
    for _ in range(n):
        cols.append(p)
        p = p * x
    if not cols:
        from .creation import zeros

        return zeros((x.shape[0], 0), dtype=x.dtype)
    if not increasing:
        cols = cols[::-1]
    out = stack(cols, axis=1)
    return out


__all__ = ["corrcoef", "inner", "trapezoid", "vander"]
