"""Matrix decompositions: cholesky, eigh, eig, lu_factor, qr, svd."""

from __future__ import annotations

import numpy as np

from .._core import const, record
from ._common import _matrix, _square, _t

_MODES = ("reduced", "complete")


def cholesky(x, upper=False):
    """Cholesky factor of a symmetric positive-definite matrix (batched): lower ``L`` with
    ``L @ L.T == x``, or its transpose with ``upper=True``. Only the lower triangle of ``x`` is
    read. A matrix that is not positive definite raises ``numpy.linalg.LinAlgError`` on the CPU
    (CuPy returns NaN)."""
    a = _square("cholesky", x)
    xp = a._backend.xp
    low = xp.linalg.cholesky(a.data)
    out = _t(xp, low).copy() if upper else low

    def backward(g):
        gl = _t(xp, g) if upper else g
        p = xp.tril(_t(xp, low) @ gl)
        p = 0.5 * (p + _t(xp, xp.tril(p, -1)))            # Phi, made symmetric
        linv = xp.linalg.inv(low)
        ga = _t(xp, linv) @ p @ linv
        return (0.5 * (ga + _t(xp, ga)),)

    return record(out, (a,), backward, "cholesky")


def eigh(x):
    """``(eigenvalues, eigenvectors)`` of a symmetric matrix (batched), eigenvalues ascending;
    only the lower triangle is read. See the module notes for repeated eigenvalues."""
    a = _square("eigh", x)
    xp = a._backend.xp
    w, v = xp.linalg.eigh(a.data)
    vt = _t(xp, v)

    def back_w(g):
        ga = (v * g[..., None, :]) @ vt
        return (ga,)

    def back_v(g):
        diff = w[..., None, :] - w[..., :, None]          # w_j - w_i
        n = w.shape[-1]
        eye = xp.eye(n, dtype=bool)
        f = xp.where(eye, 0.0, 1.0 / xp.where(eye, 1.0, diff)).astype(w.dtype)
        ga = v @ (f * (vt @ g)) @ vt
        return (0.5 * (ga + _t(xp, ga)),)

    bk = a._backend
    return record(w, (a,), back_w, "eigh", bk), record(v, (a,), back_v, "eigh", bk)


def eig(x):
    """``(eigenvalues, eigenvectors)`` of a general square matrix (batched), as complex tensors
    (as Keras's NumPy backend); not differentiable. On the GPU, where CuPy has no
    ``linalg.eig``, the matrices make a host round trip.
    """
    a = _square("eig", x)
    bk = a._backend
    xp = bk.xp
    if hasattr(xp.linalg, "eig"):
        w, v = xp.linalg.eig(a.data)
    else:  # pragma: no cover - CuPy builds without geev
        w, v = np.linalg.eig(bk.to_numpy(a.data))
        w, v = bk.asarray(w), bk.asarray(v)
    dt = np.complex128 if a.dtype == np.float64 else np.complex64
    return const(w.astype(dt), bk), const(v.astype(dt), bk)


def lu_factor(x):
    """``(lu, pivots)`` of a matrix (batched; M x N, square or not), as
    ``scipy.linalg.lu_factor``: ``lu`` holds U and the unit-lower L below the diagonal; row ``i``
    was interchanged with row ``pivots[i]`` (0-based, int32, min(M, N) of them). Partial
    pivoting; not differentiable."""
    a = _matrix("lu_factor", x)
    bk = a._backend
    xp = bk.xp
    m, n = a.shape[-2:]
    k_max = min(m, n)
    batch = a.shape[:-2]
    lu = a.data.reshape((-1, m, n)).copy()
    nb = lu.shape[0]
    piv = xp.zeros((nb, k_max), dtype=np.int32)
    rows = xp.arange(nb)
    for k in range(k_max):
        p = k + xp.argmax(xp.abs(lu[:, k:, k]), axis=1)
        piv[:, k] = p
        row_k, row_p = lu[rows, k].copy(), lu[rows, p].copy()
        lu[rows, k], lu[rows, p] = row_p, row_k
        pivot = lu[:, k, k]
        safe = xp.where(pivot == 0, 1.0, pivot).astype(lu.dtype)  # singular: column left as is
        lu[:, k + 1:, k] /= safe[:, None]
        lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k, None] * lu[:, k, None, k + 1:]
    return const(lu.reshape(a.shape), bk), const(piv.reshape(batch + (k_max,)), bk)


def qr(x, mode="reduced"):
    """``(q, r)`` with ``q @ r == x`` (batched). ``mode="reduced"``: q (..., M, K), r (..., K, N)
    with K = min(M, N); ``"complete"``: q (..., M, M), r (..., M, N)."""
    if mode not in _MODES:
        raise ValueError(f"qr: `mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode!r}")
    a = _matrix("qr", x)
    bk = a._backend
    xp = bk.xp
    q, r = xp.linalg.qr(a.data, mode=mode)
    m, n = a.shape[-2:]

    def check():
        if m < n:
            raise NotImplementedError(f"qr: the gradient is implemented for inputs with at least "
                                      f"as many rows as columns (M >= N); received shape "
                                      f"{a.shape}")
        if mode == "complete" and m > n:
            raise NotImplementedError("qr: mode='complete' is not differentiable when M > N "
                                      "(the extra columns of q are not unique); use "
                                      "mode='reduced'")

    def grad(gq, gr):
        check()
        mm = -(_t(xp, gq) @ q) if gq is not None else 0
        if gr is not None:
            mm = mm + r @ _t(xp, gr)
        mm = xp.tril(mm, -1) + _t(xp, xp.tril(mm, -1)) + xp.tril(xp.triu(mm))  # copyltu
        bmat = q @ mm
        if gq is not None:
            bmat = bmat + gq
        # gA = B R^-T  <=>  R gA^T = B^T (R is square here: M >= N, reduced)
        return (_t(xp, xp.linalg.solve(r[..., :n, :], _t(xp, bmat[..., :, :n]))),)

    return (record(q, (a,), lambda g: grad(g, None), "qr", bk),
            record(r, (a,), lambda g: grad(None, g), "qr", bk))


def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` with ``u @ diag(s) @ vh == x`` (batched; NumPy's order and shapes), or only
    ``s`` with ``compute_uv=False``. Singular values descending."""
    a = _matrix("svd", x)
    bk = a._backend
    xp = bk.xp
    m, n = a.shape[-2:]
    k = min(m, n)
    if not compute_uv:
        s = xp.linalg.svd(a.data, compute_uv=False)

        def back_s_only(g):
            u, _, vh = xp.linalg.svd(a.data, full_matrices=False)
            return ((u * g[..., None, :]) @ vh,)

        return record(s, (a,), back_s_only, "svd", bk)
    u, s, vh = xp.linalg.svd(a.data, full_matrices=full_matrices)
    ur, vr = u[..., :, :k], _t(xp, vh[..., :k, :])           # the reduced factors
    eye_k = xp.eye(k, dtype=bool)

    def f_matrix():
        s2 = s * s
        diff = s2[..., None, :] - s2[..., :, None]              # s_j^2 - s_i^2
        return xp.where(eye_k, 0.0, 1.0 / xp.where(eye_k, 1.0, diff)).astype(s.dtype)

    def check_full():
        if full_matrices and m != n:
            raise NotImplementedError(f"svd: the gradient through u and vh with "
                                      f"full_matrices=True needs a square input (the extra "
                                      f"singular vectors are not unique); received shape "
                                      f"{a.shape}; use full_matrices=False")

    def back_s(g):
        return ((ur * g[..., None, :]) @ _t(xp, vr),)

    def back_u(g):
        check_full()
        gu = g[..., :, :k]
        j = f_matrix() * (_t(xp, ur) @ gu)
        inner = (j + _t(xp, j)) * s[..., None, :]             # (F o [U^T gU - gU^T U]) S
        ga = ur @ inner @ _t(xp, vr)
        if m > k:
            ga = ga + (gu - ur @ (_t(xp, ur) @ gu)) / s[..., None, :] @ _t(xp, vr)
        return (ga,)

    def back_vh(g):
        check_full()
        gv = _t(xp, g[..., :k, :])
        kk = f_matrix() * (_t(xp, vr) @ gv)
        inner = s[..., :, None] * (kk + _t(xp, kk))             # S (F o [V^T gV - gV^T V])
        ga = ur @ inner @ _t(xp, vr)
        if n > k:
            ga = ga + ur @ _t(xp, (gv - vr @ (_t(xp, vr) @ gv)) / s[..., None, :])
        return (ga,)

    return (record(u, (a,), back_u, "svd", bk), record(s, (a,), back_s, "svd", bk),
            record(vh, (a,), back_vh, "svd", bk))


__all__ = [
    "cholesky", "eig", "eigh", "lu_factor", "qr", "svd"
]
