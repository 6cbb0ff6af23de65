"""What every op shares: operand coercion, the device check, graph recording, unbroadcast,
axis checks."""

from __future__ import annotations

import numpy as np

from .. import autodiff
from ..autodiff import Node
from ..backend import backend_of, get_backend, get_device
from ..tensor import Tensor


def to_tensor(x, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor; Python numbers take ``like``'s floating dtype (weak typing, as Keras)."""
    if isinstance(x, Tensor):
        return x
    if like is not None:
        bk = like._backend
        if isinstance(x, (bool, int, float)) and not isinstance(x, bool):
            dtype = like.dtype if (like.dtype.kind == "f" or isinstance(x, int)) else np.float32
            try:
                arr = bk.xp.asarray(x, dtype=dtype)
            except OverflowError:
                raise ValueError(f"the number {x!r} does not fit the other operand's dtype "
                                 f"{np.dtype(dtype)}") from None
            return Tensor._wrap(arr, backend=bk)
        if hasattr(x, "__cuda_array_interface__") and not bk.is_native(x):
            raise ValueError(f"operand is a GPU array on {backend_of(x).device!r} but the other "
                             f"operand is on {bk.device!r}; move one with .to(...)")
        return Tensor(x, device=bk.device)
    return Tensor(x)


def same_device(op: str, *tensors: Tensor):
    """The shared backend of ``tensors``; mixing devices is an error, never a silent copy."""
    bk = tensors[0]._backend
    for t in tensors[1:]:
        if t._backend is not bk:
            devs = ", ".join(repr(x.device) for x in tensors)
            raise ValueError(f"{op}: operands are on different devices ({devs}); move them to one "
                             f"device with .to(...) first")
    return bk


def operands(op: str, a, b):
    """Coerce a binary op's operands to Tensors on one device."""
    if isinstance(a, Tensor):
        b = to_tensor(b, a)
    elif isinstance(b, Tensor):
        a = to_tensor(a, b)
    else:
        a = to_tensor(a)
        b = to_tensor(b, a)
    return same_device(op, a, b), a, b


def record(out, inputs, backward, op: str, bk=None) -> Tensor:
    """Wrap ``out``; attach a graph node when recording and some input needs a gradient."""
    if autodiff._grad_enabled:
        for t in inputs:
            if t.requires_grad:
                return Tensor._wrap(out, Node(inputs, backward, op),
                                    bk if bk is not None else inputs[0]._backend)
    return Tensor._wrap(out, backend=bk if bk is not None else inputs[0]._backend)


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (the inverse of broadcasting, for gradients)."""
    if tuple(g.shape) == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, (gs, s) in enumerate(zip(g.shape, shape)) if s == 1 and gs != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def broadcast_error(op: str, a: Tensor, b: Tensor):
    return ValueError(f"{op}: operands of shapes {a.shape} and {b.shape} cannot be broadcast "
                      f"together")


def const(out, bk) -> Tensor:
    """``out`` wrapped as a Tensor with no graph node (integer, bool or non-differentiable
    results)."""
    return Tensor._wrap(out, backend=bk)


def is_int(v) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def check_float(op: str, x: Tensor):
    if x.dtype.kind != "f":
        raise TypeError(f"{op} needs a floating tensor; received dtype {x.dtype}")


def normalize_axis(op: str, axis, ndim: int):
    """Axis (int, tuple or None) as a tuple of non-negative ints, with a clear error."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints; received {axis!r}")
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(out)


def single_axis(op: str, axis, ndim: int) -> int:
    """One axis as a non-negative int, checked as ``normalize_axis`` does."""
    return normalize_axis(op, axis, ndim)[0]


def current_backend():
    return get_backend(get_device())
