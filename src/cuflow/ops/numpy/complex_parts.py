"""Complex parts on a real-only framework: cuflow has no complex dtype, so ``conj`` / ``real``
are the identity on real tensors, ``imag`` gives zeros, and complex inputs are refused with a
TypeError."""

from __future__ import annotations

from .._core import const
from .creation import _identity, _real_only


def conj(x):
    """The complex conjugate: the identity (a copy) on cuflow's real tensors."""
    return _identity("conj", x)


conjugate = conj


def real(x):
    """The real part: the identity (a copy) on cuflow's real tensors."""
    return _identity("real", x)


def imag(x):
    """The imaginary part: zeros of ``x``'s shape and dtype on cuflow's real tensors."""
    x = _real_only("imag", x)
    return const(x._backend.xp.zeros_like(x.data), x._backend)


__all__ = [
    "conj", "conjugate", "imag", "real"
]
