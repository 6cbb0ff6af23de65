"""ops.linalg.systems: inv, det, slogdet, logdet, solve, solve_triangular and lstsq against
numpy.linalg (batched, vector right-hand sides, rank-deficient lstsq), and errors. Gradients are
checked in tests/reliability/grad_cases_linalg.py."""

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


def test_inverse_determinants(device):
    a = wc(2, 3, 4, 4)
    close(ops.inv(t(a, device)), np.linalg.inv(a))
    close(ops.det(t(a, device)), np.linalg.det(a))
    sign, logabs = ops.slogdet(t(-a, device))
    ref = np.linalg.slogdet(-a)
    close(sign, ref[0])
    close(logabs, ref[1])
    s = spd(2, 3, 3)
    close(ops.logdet(t(s, device)), np.log(np.linalg.det(s)))
    assert ops.inv(t(a.astype(np.float32), device)).dtype == np.float32


def test_solves(device):
    a, b = wc(2, 3, 3), R.uniform(-1, 1, (3, 2))
    close(ops.solve(t(a, device), t(b, device)), np.linalg.solve(a, b))
    bv = R.uniform(-1, 1, (2, 3))  # a batch of vectors (one dimension fewer than a)
    close(ops.solve(t(a, device), t(bv, device)), np.linalg.solve(a, bv[..., None])[..., 0])
    close(ops.solve(t(a[0], device), t(bv[0], device)), np.linalg.solve(a[0], bv[0]))
    full = R.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
    for lower in (True, False):
        tri = np.tril(full) if lower else np.triu(full)
        got = ops.solve_triangular(t(full, device), t(b, device), lower=lower)
        close(got, np.linalg.solve(tri, b))  # the other triangle is ignored
    # lstsq: over- and under-determined, vector and matrix b, rcond cut-off
    for shape in ((5, 3), (3, 5)):
        m = R.uniform(-1, 1, shape)
        for rhs in (R.uniform(-1, 1, shape[0]), R.uniform(-1, 1, (shape[0], 2))):
            close(ops.lstsq(t(m, device), t(rhs, device)), np.linalg.lstsq(m, rhs)[0], 1e-9)
    rank1 = np.outer([1.0, 2.0, 3.0], [1.0, 1.0]) + np.array([[0, 1e-9]] * 3)
    rhs = np.array([1.0, 2.0, 3.5])
    close(ops.lstsq(t(rank1, device), t(rhs, device), rcond=1e-6),
          np.linalg.lstsq(rank1, rhs, rcond=1e-6)[0], 1e-8)
    batched = R.uniform(-1, 1, (2, 5, 3)), R.uniform(-1, 1, (2, 5))
    want = np.stack([np.linalg.lstsq(batched[0][i], batched[1][i])[0] for i in range(2)])
    close(ops.lstsq(t(batched[0], device), t(batched[1], device)), want, 1e-9)


def test_systems_errors():
    sq = cf.Tensor(wc(3, 3))
    for fn in (ops.inv, ops.det, ops.slogdet):
        with pytest.raises(ValueError, match=r"square matrix.*received shape \(3, 4\)"):
            fn(cf.Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match="inv expected a square"):
        ops.inv(cf.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match=r"b must have shape \(\.\.\., 3\) or \(\.\.\., 3, K\)"):
        ops.solve(sq, cf.Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="batch dimensions"):
        ops.solve(cf.Tensor(wc(2, 3, 3)), cf.Tensor(np.ones((4, 3, 1))))
    with pytest.raises(TypeError, match="same floating dtype"):
        ops.solve(sq, cf.Tensor(np.ones(3, np.float32)))
    with pytest.raises(TypeError, match="floating"):
        ops.inv(cf.Tensor(np.eye(2, dtype=np.int64)))
