"""Bitwise ops on integer or bool tensors (not differentiable)."""

from __future__ import annotations

from .._core import const, operands, to_tensor


def _ints(op, x, name="x"):
    if x.dtype.kind not in "biu":
        raise TypeError(f"{op}: {name} must hold integers; received dtype {x.dtype}")


def _bitwise(op, fn, arity=2):
    def bitwise(x, y=None):
        if arity == 1:
            x = to_tensor(x)
            _ints(op, x)
            return const(fn(x._backend.xp, x.data), x._backend)
        bk, a, b = operands(op, x, y)
        _ints(op, a, "x")
        _ints(op, b, "y")
        try:
            out = fn(bk.xp, a.data, b.data)
        except ValueError:
            raise ValueError(f"{op}: operands of shapes {a.shape} and {b.shape} cannot be "
                             f"broadcast together") from None
        return const(out, bk)

    bitwise.__name__ = op
    bitwise.__doc__ = f"Elementwise ``{op}`` of integer or bool tensors."
    return bitwise


bitwise_and = _bitwise("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b))
bitwise_or = _bitwise("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b))
bitwise_xor = _bitwise("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b))
bitwise_not = _bitwise("bitwise_not", lambda xp, a: xp.invert(a), 1)
bitwise_invert = bitwise_not
bitwise_left_shift = _bitwise("bitwise_left_shift", lambda xp, a, b: xp.left_shift(a, b))
bitwise_right_shift = _bitwise("bitwise_right_shift", lambda xp, a, b: xp.right_shift(a, b))
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


__all__ = [
    "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "left_shift", "right_shift"
]
