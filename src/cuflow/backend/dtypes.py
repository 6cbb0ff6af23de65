"""Keras's dtype promotion rule, ``keras.backend.result_type``.

Keras promotes on JAX's lattice: bool < weak int < (u)int widths < weak float < float16 /
bfloat16 < float32 < float64 < complex, where a Python ``int`` / ``float`` is a *weak* type that
defers to the other operand's width; the result of two types is their least upper bound. As JAX
without x64 (and so Keras on every backend but TensorFlow), 64-bit results become 32-bit:
int64 -> int32, uint64 -> uint32, float64 -> float32, complex128 -> complex64.

``result_type`` reports that rule for callers that want Keras's dtypes; cuflow's ops keep NumPy's
widths (a float64 tensor stays float64) and promote integer inputs of floating functions to
``floatx()``.
"""

from __future__ import annotations

import functools

import numpy as np

_INT = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
_FLOAT = ("bfloat16", "float16", "float32", "float64")
_COMPLEX = ("complex64", "complex128")
_ALLOWED = ("bool",) + _INT + _FLOAT + _COMPLEX

# each type's immediate successors on the lattice ("int" / "float": the weak Python types)
_UP = {
    "bool": ("int",),
    "int": ("uint8", "int8", "complex64"),
    "uint8": ("int16", "uint16"), "uint16": ("int32", "uint32"), "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",), "int16": ("int32",), "int32": ("int64",), "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",), "float16": ("float32",), "float32": ("float64", "complex64"),
    "float64": ("complex128",), "complex64": ("complex128",), "complex128": (),
}
_TO_32 = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


@functools.lru_cache(maxsize=None)
def _upper(node):
    """Every type at or above ``node``."""
    out = {node}
    for nxt in _UP[node]:
        out |= _upper(nxt)
    return frozenset(out)


def _lub(nodes):
    common = frozenset.intersection(*(_upper(n) for n in nodes))
    least = [c for c in common if common <= _upper(c)]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(nodes)} have no available implicit dtype "
                         f"promotion path. Try explicitly casting inputs to the desired output "
                         f"type.")
    return least[0]


def _name(d):
    """A dtype-like value as (name, weak): Python int / float are weak; None is floatx()."""
    from .config import floatx

    if d is None:
        return floatx(), False
    if hasattr(d, "dtype") and not isinstance(d, (str, type, np.dtype)):
        d = d.dtype  # a tensor or an array
    if d is int or (isinstance(d, str) and d == "int"):
        return "int", True
    if d is float or (isinstance(d, str) and d == "float"):
        return "float", True
    if d is bool:
        return "bool", False
    if d is complex:
        return "complex64", False
    try:
        name = d if isinstance(d, str) and d == "bfloat16" else np.dtype(d).name
    except TypeError:
        name = str(d)
    if name not in _ALLOWED:
        raise ValueError(f"Invalid value for argument `dtype`. Expected one of {_ALLOWED}. "
                         f"Received: dtype={d!r}")
    return name, False


def result_type(*dtypes):
    """The dtype Keras's promotion gives for ``dtypes`` (dtype names, NumPy dtypes, tensors,
    or the Python types ``int`` / ``float`` / ``bool``), as a string. No argument: floatx()."""
    from .config import floatx

    if not dtypes:
        return floatx()
    named = [_name(d) for d in dtypes]
    names = {n for n, _ in named}
    weak = [w for _, w in named]
    if len(names) == 1 and not all(weak):
        out, out_weak = next(iter(names)), False
    elif all(weak):
        out, out_weak = _lub(names), True
    else:
        out = _lub(names)
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        bits = floatx()[-2:]
        out = {"int": f"int{bits}", "float": f"float{bits}"}.get(out, out)
    return _TO_32.get(out, out)


__all__ = ["result_type"]
