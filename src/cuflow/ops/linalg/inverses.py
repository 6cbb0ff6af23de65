"""Generalised and structured inverses: pinv (Moore-Penrose), cholesky_inverse, and
matrix_rank. pinv and cholesky_inverse compose differentiable solves, so their gradients are
those of ``lstsq`` (exact for full-rank inputs) and ``solve_triangular``."""

from __future__ import annotations

import numpy as np

from .._core import const
from ._common import _matrix, _square
from .systems import lstsq, solve_triangular


def pinv(x, rcond=None):
    """Pseudo-inverse of a matrix (batched): (..., M, N) -> (..., N, M). Singular values below
    ``rcond`` (default 1e-15, as NumPy) times the largest count as zero."""
    a = _matrix("pinv", x)
    xp = a._backend.xp
    eye = const(xp.broadcast_to(xp.eye(a.shape[-2], dtype=a.dtype),
                                a.shape[:-2] + (a.shape[-2],) * 2), a._backend)
    return lstsq(a, eye, rcond=1e-15 if rcond is None else rcond)


def cholesky_inverse(x, upper=False):
    """Inverse of a symmetric positive-definite matrix A from its Cholesky factor ``x`` (lower
    L with A = L L^T, or upper U with A = U^T U)."""
    from ..numpy.products import matmul
    from ..numpy.shape import swapaxes

    f = _square("cholesky_inverse", x)
    xp = f._backend.xp
    eye = const(xp.broadcast_to(xp.eye(f.shape[-1], dtype=f.dtype), f.shape),
                f._backend)
    inv_f = solve_triangular(f, eye, lower=not upper)
    if upper:
        return matmul(inv_f, swapaxes(inv_f, -1, -2))
    return matmul(swapaxes(inv_f, -1, -2), inv_f)


def matrix_rank(x, tol=None):
    """Number of singular values above ``tol`` (default: the largest singular value times
    max(M, N) times the dtype's epsilon, as NumPy), per matrix (int32; not differentiable)."""
    a = _matrix("matrix_rank", x)
    xp = a._backend.xp
    s = xp.linalg.svd(a.data, compute_uv=False)
    if tol is None:
        m, n = a.shape[-2:]
        top = s.max(axis=-1, keepdims=True) if s.shape[-1] else s
        cut = top * max(m, n) * np.finfo(a.dtype).eps
    else:
        cut = xp.asarray(tol, dtype=s.dtype)
        cut = cut[..., None] if cut.ndim else cut
    return const((s > cut).sum(axis=-1).astype(np.int32), a._backend)




__all__ = ["cholesky_inverse", "matrix_rank", "pinv"]
