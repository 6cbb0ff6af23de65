"""``keras.ops`` linear algebra: decompositions, solves, inverses and determinants.

Keras 3 names, arguments and semantics; batched over leading dimensions as NumPy. Everything goes
through the operands' ``xp.linalg`` (``numpy.linalg`` or ``cupy.linalg``), so each op runs on the
device of its input. Ops with several outputs record one graph node per output: a backward pass
is linear in the output cotangents, so the per-output contributions simply add up.

Gradients are the standard ones (as TF, JAX and PyTorch), for real inputs:

- ``inv``: -A^-T G A^-T; ``det``: g det(A) A^-T; ``slogdet`` / ``logdet``: g A^-T;
- ``solve`` / ``solve_triangular``: gB = A^-T G, gA = -gB X^T (masked to the triangle read);
- ``cholesky``: L^-T Phi(L^T G) L^-1, symmetrised (Phi: lower triangle, half diagonal);
- ``eigh``: V (diag(gw) + F o (V^T gV)) V^T, F_ij = 1 / (w_j - w_i), symmetrised. With repeated
  eigenvalues the eigenvectors are not unique and F is infinite: the gradient through the
  eigenvectors is then undefined (inf/NaN), as in TF/JAX/PyTorch; eigenvalues alone stay fine;
- ``svd``: Townsend's formula for distinct, non-zero singular values (the same caveat for repeated
  ones); through U/Vh with ``full_matrices=True`` only for square inputs (as TF);
- ``qr``: the reduced-mode backward for m >= n (as PyTorch); ``complete`` only for m <= n;
- ``lstsq``: the pseudo-inverse derivative (Golub & Pereyra), exact for full-rank ``a``.

``cholesky`` and ``eigh`` read one triangle of their input, as LAPACK; their gradients are the
symmetric ones (the input is taken to be symmetric, as JAX and PyTorch do).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._core import check_float, record, same_device, to_tensor, unbroadcast

_MODES = ("reduced", "complete")


def _t(xp, m):
    return xp.swapaxes(m, -1, -2)


def _const(arr, bk):
    return Tensor._wrap(arr, backend=bk)


def _square(op, x):
    x = to_tensor(x)
    check_float(op, x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op} expected a square matrix or a batch of square matrices (shape "
                         f"(..., M, M)); received shape {x.shape}")
    return x


def _matrix(op, x):
    x = to_tensor(x)
    check_float(op, x)
    if x.ndim < 2:
        raise ValueError(f"{op} expected a matrix or a batch of matrices (rank >= 2); received "
                         f"shape {x.shape}")
    return x


def _eye_like(xp, n, dtype):
    return xp.eye(n, dtype=dtype)


# ---- inverses and determinants ------------------------------------------------------------------

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

    return _const(sign, a._backend), record(logabs, (a,), backward, "slogdet")


def logdet(x):
    """log|det(x)| (Keras computes it as ``slogdet(x)[1]``: for positive-definite input this is
    log det)."""
    return slogdet(x)[1]


# ---- linear systems -----------------------------------------------------------------------------

def _is_vector(op, a, b):
    """Whether ``b`` is a (batched) right-hand-side vector rather than a matrix: b (M,) always; a
    matrix (..., M, K) where b's second-to-last dimension is M (NumPy's reading); else a batch of
    vectors (..., M) with one dimension fewer than ``a`` (JAX's reading)."""
    m = a.shape[-2]
    if b.ndim == 1 and b.shape[0] == m:
        return True
    if b.ndim >= 2 and b.shape[-2] == m:
        return False
    if b.ndim == a.ndim - 1 and b.ndim >= 1 and b.shape[-1] == m:
        return True
    raise ValueError(f"{op}: b must have shape (..., {m}) or (..., {m}, K) for a of shape "
                     f"{a.shape}; received b of shape {b.shape}")


def _system(op, a, b):
    """Coerced (bk, a, b, vector?) with shape checks: a (..., M, M), b (..., M) or (..., M, K)."""
    a = _square(op, a)
    b = to_tensor(b, a)
    bk = same_device(op, a, b)
    if b.dtype != a.dtype:
        raise TypeError(f"{op}: a and b must have the same floating dtype; received {a.dtype} "
                        f"and {b.dtype}")
    vector = _is_vector(op, a, b)
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
    bk, a, b, vector = _system("solve_triangular", a, b)
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


# ---- decompositions -----------------------------------------------------------------------------

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
    """Eigenvalues and eigenvectors of a general square matrix (batched), not differentiable.

    cuflow tensors hold no complex numbers, so (as Keras' FFT ops) each complex result is a
    ``(real, imag)`` pair: returns ``((w_real, w_imag), (v_real, v_imag))``. On the GPU, where
    CuPy has no ``linalg.eig``, the matrices make a host round trip.
    """
    a = _square("eig", x)
    bk = a._backend
    xp = bk.xp
    if hasattr(xp.linalg, "eig"):
        w, v = xp.linalg.eig(a.data)
    else:  # pragma: no cover - CuPy builds without geev
        w, v = np.linalg.eig(bk.to_numpy(a.data))
        w, v = bk.asarray(w), bk.asarray(v)
    dt = a.dtype

    def pair(c):
        return (_const(xp.ascontiguousarray(c.real).astype(dt), bk),
                _const(xp.ascontiguousarray(c.imag).astype(dt), bk))

    return pair(w), pair(v)


def lu_factor(x):
    """``(lu, pivots)`` of a square matrix (batched), as ``scipy.linalg.lu_factor``: ``lu`` holds
    U and the unit-lower L below the diagonal; row ``i`` was interchanged with row ``pivots[i]``
    (0-based, int32). Partial pivoting; not differentiable."""
    a = _square("lu_factor", x)
    bk = a._backend
    xp = bk.xp
    n = a.shape[-1]
    batch = a.shape[:-2]
    lu = a.data.reshape((-1, n, n)).copy()
    nb = lu.shape[0]
    piv = xp.zeros((nb, n), dtype=np.int32)
    rows = xp.arange(nb)
    for k in range(n):
        p = k + xp.argmax(xp.abs(lu[:, k:, k]), axis=1)
        piv[:, k] = p
        row_k, row_p = lu[rows, k].copy(), lu[rows, p].copy()
        lu[rows, k], lu[rows, p] = row_p, row_k
        pivot = lu[:, k, k]
        safe = xp.where(pivot == 0, 1.0, pivot).astype(lu.dtype)  # singular: column left as is
        lu[:, k + 1:, k] /= safe[:, None]
        lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k, None] * lu[:, k, None, k + 1:]
    return _const(lu.reshape(a.shape), bk), _const(piv.reshape(batch + (n,)), bk)


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


def _matrix_norm_svd(x, ord, axes, keepdims):
    """Matrix norms from singular values: ord 2 (largest), -2 (smallest), 'nuc' (sum)."""
    from .extra import moveaxis
    from .reductions import max as reduce_max
    from .reductions import min as reduce_min
    from .reductions import sum as reduce_sum
    from .shape import expand_dims

    r, c = axes
    xm = moveaxis(x, (r, c), (-2, -1))
    s = svd(xm, compute_uv=False)
    out = {2: reduce_max, -2: reduce_min, "nuc": reduce_sum}[ord](s, -1)
    if keepdims:
        for ax in sorted((r, c)):
            out = expand_dims(out, ax)
    return out
