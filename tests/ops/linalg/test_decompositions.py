"""ops.linalg.decompositions: cholesky, eigh, eig, qr, svd and lu_factor against numpy.linalg
(scipy and torch where importable), reconstructions, and errors, including gradients that are not
defined. Gradients are checked in tests/reliability/grad_cases_linalg.py."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops

R = np.random.default_rng(31)


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


def wc(*shape):
    return R.uniform(-1, 1, shape) + 3 * np.eye(shape[-1])


def spd(*shape):
    a = R.uniform(-1, 1, shape)
    return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(shape[-1])


def close(got, want, tol=1e-10):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_decompositions(device):
    s = spd(2, 4, 4)
    low = ops.cholesky(t(s, device)).numpy()
    close(low, np.linalg.cholesky(s))
    close(ops.cholesky(t(s, device), upper=True), np.swapaxes(low, -1, -2))
    w, v = ops.eigh(t(s, device))
    close(w, np.linalg.eigh(s)[0])
    close(v.numpy() @ (w.numpy()[..., None] * np.swapaxes(v.numpy(), -1, -2)), s, 1e-9)
    g = R.uniform(-1, 1, (2, 3, 3))
    w, v = ops.eig(t(g, device))
    wc_, vc = w.numpy(), v.numpy()
    np.testing.assert_allclose(g @ vc, vc * wc_[..., None, :], atol=1e-10)
    assert w.dtype == np.complex128 and w.shape == (2, 3) and v.shape == (2, 3, 3)
    for mode in ("reduced", "complete"):
        for shape in ((2, 5, 3), (3, 4)):
            x = R.uniform(-1, 1, shape)
            q, r = ops.qr(t(x, device), mode=mode)
            qn, rn = np.linalg.qr(x, mode=mode)
            assert q.shape == qn.shape and r.shape == rn.shape
            close(q.numpy() @ r.numpy(), x)
            close(np.abs(r.numpy()), np.abs(rn))
    x = R.uniform(-1, 1, (2, 5, 3))
    for full in (True, False):
        u, sv, vh = ops.svd(t(x, device), full_matrices=full)
        un, sn, vhn = np.linalg.svd(x, full_matrices=full)
        assert (u.shape, sv.shape, vh.shape) == (un.shape, sn.shape, vhn.shape)
        close(sv, sn)
        close((u.numpy()[..., :3] * sv.numpy()[..., None, :]) @ vh.numpy()[..., :3, :], x)
    close(ops.svd(t(x, device), compute_uv=False), np.linalg.svd(x, compute_uv=False))


def test_lu_factor(device):
    a = R.uniform(-1, 1, (2, 4, 4))
    a[1, :, 0] = [0.0, 0.0, 2.0, 1.0]  # forces a swap at step 0
    lu, piv = ops.lu_factor(t(a, device))
    lu, piv = lu.numpy(), piv.numpy()
    assert piv.dtype == np.int32 and piv.shape == (2, 4)
    for b in range(2):
        low = np.tril(lu[b], -1) + np.eye(4)
        perm = np.arange(4)
        for i, p in enumerate(piv[b]):
            perm[[i, p]] = perm[[p, i]]
        close(low @ np.triu(lu[b]), a[b][perm])
    scipy_linalg = pytest.importorskip("scipy.linalg")
    for b in range(2):
        ref_lu, ref_piv = scipy_linalg.lu_factor(a[b])
        close(lu[b], ref_lu)
        np.testing.assert_array_equal(piv[b], ref_piv)


def test_against_torch_linalg():
    torch = pytest.importorskip("torch")
    s = spd(2, 3, 3)
    got = ops.cholesky(cf.Tensor(s))
    close(got, torch.linalg.cholesky(torch.tensor(s)).numpy())
    # the cholesky gradient matches PyTorch's (symmetric) one
    x = cf.Tensor(s, requires_grad=True)
    with cf.GradientTape() as tape:
        y = (ops.cholesky(x) * cf.Tensor(np.arange(9.0).reshape(3, 3))).sum()
    (g,) = tape.gradient(y, [x])
    xt = torch.tensor(s, requires_grad=True)
    (torch.linalg.cholesky(xt) * torch.arange(9.0, dtype=torch.float64).reshape(3, 3)).sum() \
        .backward()
    close(g, xt.grad.numpy(), 1e-8)


def test_decomposition_errors():
    sq = cf.Tensor(wc(3, 3))
    for fn in (ops.cholesky, ops.eigh, ops.eig):
        with pytest.raises(ValueError, match=r"square matrix.*received shape \(3, 4\)"):
            fn(cf.Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match=r"matrix or a batch of matrices.*received shape \(3,\)"):
        ops.lu_factor(cf.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="mode argument value not supported|`mode` argument"):
        ops.qr(sq, mode="r")
    # gradients that are not defined raise with the reason
    x = cf.Tensor(R.uniform(-1, 1, (4, 3)), requires_grad=True)
    with cf.GradientTape() as tape:
        y = ops.qr(x, mode="complete")[0].sum()
    with pytest.raises(NotImplementedError, match="complete"):
        tape.gradient(y, [x])
    with cf.GradientTape() as tape:
        y = ops.svd(x)[0].sum()
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tape.gradient(y, [x])
