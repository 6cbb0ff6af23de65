"""The two builders of elementwise ops: a broadcasting binary op and a unary op from its
forward and backward expressions (``xp`` is NumPy or CuPy)."""

from __future__ import annotations

from .._core import broadcast_error, check_float, const, operands, record, to_tensor


def _binary(op, a, b, compute):
    bk, a, b = operands(op, a, b)
    try:
        out = compute(bk.xp, a.data, b.data)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    return bk, a, b, out


def _unary(op, forward, backward_fn, needs_float=True):
    """An elementwise op from ``forward(xp, x)`` and ``backward_fn(xp, x, y, g)``."""

    def fn(x):
        x = to_float(x) if needs_float else to_tensor(x)
        if needs_float:
            check_float(op, x)
        xp = x._backend.xp
        y = forward(xp, x.data)
        if backward_fn is None:
            return const(y, x._backend)
        return record(y, (x,), lambda g: (backward_fn(xp, x.data, y, g),), op)

    fn.__name__ = op
    return fn


def to_float(x):
    """``x`` as a Tensor, bool / integer data cast to ``floatx()`` (Keras: ``result_type(dtype,
    float)``, which is float32 for every integer width); floating tensors are returned as is."""
    x = to_tensor(x)
    if x.dtype.kind in "biu":
        from ...backend.config import floatx
        from ...tensor import Tensor

        return Tensor._wrap(x.data.astype(floatx()), backend=x._backend)
    return x
