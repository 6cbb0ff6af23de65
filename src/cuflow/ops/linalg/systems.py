"""Inverses, determinants and linear systems: inv, det, slogdet, logdet, solve,
solve_triangular, lstsq."""

from __future__ import annotations

import numpy as np

from .._core import const, record, same_device, to_tensor, unbroadcast
from ._common import _matrix, _square, _t


def inv(x):
    """Inverse of a square matrix (batched). Singular input raises ``numpy.linalg.LinAlgError``
    on the CPU; CuPy returns NaN/inf instead."""
    a = _square("inv", x)
    xp = a._backend.xp
    y = xp.linalg.inv(a.data)

    def backward(g):
        yt = _t(xp, y)
        return (-(yt @ g @ yt),)

    return record(y, (a,), backward, "inv")


def det(x):
    """Determinant of a square matrix (batched)."""
    a = _square("det", x)
    xp = a._backend.xp
    d = xp.linalg.det(a.data)

    def backward(g):
        return ((g * d)[..., None, None] * _t(xp, xp.linalg.inv(a.data)),)

    return record(d, (a,), backward, "det")


def slogdet(x):
    """``(sign, log|det|)`` of a square matrix (batched); the sign is a constant."""
    a = _square("slogdet", x)
    xp = a._backend.xp
    sign, logabs = xp.linalg.slogdet(a.data)

    def backward(g):
        return (g[..., None, None] * _t(xp, xp.linalg.inv(a.data)),)

    return const(sign, a._backend), record(logabs, (a,), backward, "slogdet")


def logdet(x):
    """log|det(x)| (Keras computes it as ``slogdet(x)[1]``: for positive-definite input this is
    log det)."""
    return slogdet(x)[1]


def _is_vector(op, a, b, batch_vector=False):
    """Whether ``b`` is a (batched) right-hand-side vector rather than a matrix: b (M,) always; a
    matrix (..., M, K) where b's second-to-last dimension is M (NumPy's reading); else a batch of
    vectors (..., M) with one dimension fewer than ``a`` (JAX's reading)."""
    m = a.shape[-2]
    if b.ndim == 1 and b.shape[0] == m:
        return True
    if batch_vector and b.ndim == a.ndim - 1 and b.shape[-1] == m:
        return True  # solve_triangular reads b of one rank less as vectors (as Keras / SciPy)
    if b.ndim >= 2 and b.shape[-2] == m:
        return False
    if b.ndim == a.ndim - 1 and b.ndim >= 1 and b.shape[-1] == m:
        return True
    raise ValueError(f"{op}: b must have shape (..., {m}) or (..., {m}, K) for a of shape "
                     f"{a.shape}; received b of shape {b.shape}")


def _system(op, a, b, batch_vector=False):
    """Coerced (bk, a, b, vector?) with shape checks: a (..., M, M), b (..., M) or (..., M, K)."""
    a = _square(op, a)
    b = to_tensor(b, a)
    bk = same_device(op, a, b)
    if b.dtype != a.dtype:
        raise TypeError(f"{op}: a and b must have the same floating dtype; received {a.dtype} "
                        f"and {b.dtype}")
    vector = _is_vector(op, a, b, batch_vector)
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-1] if vector else b.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: batch dimensions of a {a.shape} and b {b.shape} cannot be "
                         f"broadcast together") from None
    return bk, a, b, vector


def _solve_grads(xp, a_eff_t_solve, a, b, x, vector, g, mask=None):
    """gB = A^-T G; gA = -gB X^T (then masked to the triangle read). ``a_eff_t_solve(rhs)``
    solves A^T y = rhs for matrix rhs."""
    g2 = g[..., None] if vector else g
    x2 = x[..., None] if vector else x
    gb = a_eff_t_solve(g2)
    ga = gb_b = None
    if a.requires_grad:
        ga = -(gb @ _t(xp, x2))
        if mask is not None:
            ga = mask(ga)
        ga = unbroadcast(ga, a.shape)
    if b.requires_grad:
        gb_b = gb[..., 0] if vector else gb
        gb_b = unbroadcast(gb_b, b.shape)
    return ga, gb_b


def _broadcast_pair(xp, a, b, vector):
    b2 = b[..., None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    return (xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b2, batch + b2.shape[-2:]))


def solve(a, b):
    """x with ``a @ x = b``: a (..., M, M); b (..., M) (a batched vector: one dimension fewer
    than a) or (..., M, K). Batch dimensions broadcast."""
    bk, a, b, vector = _system("solve", a, b)
    xp = bk.xp
    a2, b2 = _broadcast_pair(xp, a.data, b.data, vector)
    x = xp.linalg.solve(a2, b2)
    if vector:
        x = x[..., 0]

    def backward(g):
        return _solve_grads(xp, lambda r: xp.linalg.solve(_t(xp, a2), r), a, b, x, vector, g)

    return record(x, (a, b), backward, "solve", bk)


def solve_triangular(a, b, lower=False):
    """x with ``a @ x = b`` for triangular ``a``: only its lower (``lower=True``) or upper
    triangle is read."""
    bk, a, b, vector = _system("solve_triangular", a, b, batch_vector=True)
    xp = bk.xp
    tri = xp.tril if lower else xp.triu
    a2, b2 = _broadcast_pair(xp, tri(a.data), b.data, vector)
    x = xp.linalg.solve(a2, b2)
    if vector:
        x = x[..., 0]

    def backward(g):
        return _solve_grads(xp, lambda r: xp.linalg.solve(_t(xp, a2), r), a, b, x, vector, g,
                            mask=tri)

    return record(x, (a, b), backward, "solve_triangular", bk)


def lstsq(a, b, rcond=None):
    """Least-squares (minimum-norm) solution of ``a @ x = b``: a (..., M, N), b (..., M) or
    (..., M, K) -> (..., N) or (..., N, K). Singular values below ``rcond`` times the largest
    count as zero; ``rcond=None`` means machine epsilon times max(M, N) (as NumPy)."""
    a = _matrix("lstsq", a)
    b = to_tensor(b, a)
    bk = same_device("lstsq", a, b)
    xp = bk.xp
    m, n = a.shape[-2:]
    vector = _is_vector("lstsq", a, b)
    if rcond is None:
        rcond = np.finfo(a.dtype).eps * max(m, n)
    u, s, vh = xp.linalg.svd(a.data, full_matrices=False)
    cutoff = rcond * s.max(axis=-1, keepdims=True) if s.shape[-1] else s
    s_inv = xp.where(s > cutoff, 1.0 / xp.where(s > cutoff, s, 1.0), 0.0).astype(a.dtype)
    p = _t(xp, vh) @ (s_inv[..., :, None] * _t(xp, u))  # the pseudo-inverse, (..., N, M)
    b2 = b.data[..., None] if vector else b.data
    x2 = p @ b2
    x = x2[..., 0] if vector else x2

    def backward(g):
        g2 = g[..., None] if vector else g
        pt = _t(xp, p)
        ga = gb = None
        if a.requires_grad:
            r = b2 - a.data @ x2                          # residual
            proj = g2 - p @ (a.data @ g2)                 # (I - P A) gx
            ga = -(pt @ g2 @ _t(xp, x2)) + r @ _t(xp, p @ (pt @ g2)) + pt @ x2 @ _t(xp, proj)
            ga = unbroadcast(ga, a.shape)
        if b.requires_grad:
            gb = pt @ g2
            gb = unbroadcast(gb[..., 0] if vector else gb, b.shape)
        return ga, gb

    return record(x, (a, b), backward, "lstsq", bk)


__all__ = [
    "det", "inv", "logdet", "lstsq", "slogdet", "solve", "solve_triangular"
]
