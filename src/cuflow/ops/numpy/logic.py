"""Comparisons, ``where`` / ``select``, logical ops, predicates (isnan ...) and any / all.

Only ``where`` and ``select`` are differentiable (in the values they pick)."""

from __future__ import annotations

from .._core import const, normalize_axis, operands, record, to_tensor, unbroadcast
from ._elementwise import _binary

# ---- comparisons --------------------------------------------------------------------------------

def _compare(op, fn):
    def compare(x1, x2):
        bk, a, b, out = _binary(op, x1, x2, fn)
        return const(out, bk)

    compare.__name__ = op
    compare.__doc__ = f"Elementwise ``{op}`` (a bool tensor; not differentiable)."
    return compare


less = _compare("less", lambda xp, x, y: x < y)
less_equal = _compare("less_equal", lambda xp, x, y: x <= y)
greater = _compare("greater", lambda xp, x, y: x > y)
greater_equal = _compare("greater_equal", lambda xp, x, y: x >= y)
equal = _compare("equal", lambda xp, x, y: x == y)
not_equal = _compare("not_equal", lambda xp, x, y: x != y)


# ---- choosing -----------------------------------------------------------------------------------

def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``, broadcasting all three; with neither, the indices
    where ``condition`` holds (``nonzero``), as Keras."""
    if x1 is None and x2 is None:
        from .indexing import nonzero

        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    bk, x, y = operands("where", x1, x2)
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


def select(condlist, choicelist, default=0):
    """``numpy.select``: the first choice whose condition holds, else ``default``."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select: condlist and choicelist must be lists of tensors")
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist ({len(condlist)}) and choicelist "
                         f"({len(choicelist)}) need the same length")
    if not condlist:
        raise ValueError("select: condlist must be non-empty")
    choices = [to_tensor(c) for c in choicelist]
    out = to_tensor(default, choices[0])
    for c, v in zip(reversed(condlist), reversed(choices)):
        c = to_tensor(c, v)
        if c.dtype.kind != "b":
            raise TypeError(f"select: conditions must be bool tensors; received dtype {c.dtype}")
        out = where(c, v, out)
    return out


# ---- logic and predicates -----------------------------------------------------------------------

def _logic(op, fn, arity):
    def logic(*args):
        if arity == 1:
            x = to_tensor(args[0])
            return const(fn(x._backend.xp, x.data), x._backend)
        bk, a, b = operands(op, *args)
        return const(fn(bk.xp, a.data.astype(bool), b.data.astype(bool)), bk)

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
    bk, a, b = operands("isclose", x1, x2)
    return const(bk.xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan), bk)


def _bool_reduce(op):
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        axes = normalize_axis(op, axis, x.ndim)
        return const(getattr(x._backend.xp, op)(x.data.astype(bool), axis=axes,
                                                 keepdims=keepdims), x._backend)

    fn.__name__ = op
    return fn


any = _bool_reduce("any")
all = _bool_reduce("all")


__all__ = [
    "all", "any", "equal", "greater", "greater_equal", "isclose", "isfinite", "isinf", "isnan",
    "less", "less_equal", "logical_and", "logical_not", "logical_or", "logical_xor", "not_equal",
    "select", "where"
]
