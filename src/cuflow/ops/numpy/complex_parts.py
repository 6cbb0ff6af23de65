"""Complex parts and complex construction: conj, real, imag, polar, view_as_complex,
view_as_real.

cuflow tensors may hold complex data (as Keras's NumPy backend), without gradients: on a complex
input these ops are constants. On real tensors ``conj`` / ``real`` are differentiable copies and
``imag`` gives zeros. (The FFT ops keep Keras's ``(real, imag)`` pairs.)
"""

from __future__ import annotations

import numpy as np

from .._core import const, operands, to_tensor
from .creation import _identity


def _complex(x):
    return x.dtype.kind == "c"


def conj(x):
    """The complex conjugate; a differentiable copy of a real tensor."""
    x = to_tensor(x)
    if _complex(x):
        return const(x._backend.xp.conj(x.data), x._backend)
    return _identity("conj", x)


conjugate = conj


def real(x):
    """The real part; a differentiable copy of a real tensor."""
    x = to_tensor(x)
    if _complex(x):
        return const(x._backend.xp.ascontiguousarray(x.data.real), x._backend)
    return _identity("real", x)


def imag(x):
    """The imaginary part; zeros of ``x``'s shape and dtype for a real tensor."""
    x = to_tensor(x)
    xp = x._backend.xp
    if _complex(x):
        return const(xp.ascontiguousarray(x.data.imag), x._backend)
    return const(xp.zeros_like(x.data), x._backend)


def _complex_dtype(dtype):
    return np.complex128 if dtype == np.float64 else np.complex64


def polar(abs_, angle):
    """The complex tensor ``abs_ * (cos(angle) + i sin(angle))`` (complex64, complex128 for
    float64 inputs)."""
    bk, r, a = operands("polar", abs_, angle)
    xp = bk.xp
    dt = _complex_dtype(np.result_type(r.dtype, a.dtype))
    return const((r.data * xp.exp(1j * a.data)).astype(dt), bk)


def view_as_complex(x):
    """(..., 2) real pairs as a complex64 tensor of shape (...), as Keras."""
    x = to_tensor(x)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"view_as_complex: Last dimension of input must be size 2 (real, "
                         f"imag); received shape {x.shape}")
    out = x.data[..., 0].astype(np.complex64) + 1j * x.data[..., 1].astype(np.complex64)
    return const(out.astype(np.complex64), x._backend)


def view_as_real(x):
    """A complex tensor as (..., 2) real pairs (real, imag); a real tensor gets zero
    imaginary parts."""
    x = to_tensor(x)
    xp = x._backend.xp
    if _complex(x):
        return const(xp.stack([x.data.real, x.data.imag], axis=-1), x._backend)
    return const(xp.stack([x.data, xp.zeros_like(x.data)], axis=-1), x._backend)


__all__ = [
    "conj", "conjugate", "imag", "polar", "real", "view_as_complex", "view_as_real"
]
