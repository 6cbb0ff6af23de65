"""ops.linalg.norms: ``norm`` for vectors (any ord) and matrices (fro, nuc, +-1, +-2, +-inf)
against numpy.linalg.norm, with keepdims, float64 gradients and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(31)


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, want, tol=1e-10):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# Fixed data with no ties: every row's and every column's absolute sum, and every row's and
# column's largest and smallest magnitude, is distinct (a tie makes the inf / 1 norms'
# gradients a subgradient that central differences cannot check), and no entry is 0.
NORM_X = np.array([[0.31, -1.72, 0.55, 1.04],
                   [-0.93, 0.12, -1.41, 0.67],
                   [1.88, -0.26, 0.79, -1.15]])


NORMS = [
    (None, None), (None, 1), (1, 1), (np.inf, 0), (-np.inf, 1), (3, -1), (0.5, 1),
    ("fro", (0, 1)), (1, (0, 1)), (-1, (0, 1)), (np.inf, (0, 1)), (-np.inf, (1, 0)),
]


@pytest.mark.parametrize("order,axis", NORMS, ids=[f"{o}-{a}" for o, a in NORMS])
def test_norm(order, axis, device):
    x = NORM_X
    with cf.device(device):
        got = ops.norm(t(x, device), ord=order, axis=axis)
        keep = ops.norm(t(x, device), ord=order, axis=axis, keepdims=True)
    want = np.linalg.norm(x, ord=order, axis=axis)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(keep.numpy(), np.linalg.norm(x, ord=order, axis=axis,
                                                            keepdims=True), rtol=1e-10)
    check_gradients(lambda a: ops.norm(a, ord=order, axis=axis), [x], device=device)


def test_norm_errors_and_ord0():
    x = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(ops.norm(x, ord=0, axis=1).numpy(), [2, 1])
    with pytest.raises(ValueError, match="matrix ord=3 is not supported"):
        ops.norm(x, ord=3)
    np.testing.assert_allclose(ops.norm(x, ord="nuc").numpy(), np.linalg.norm(x, "nuc"))
    with pytest.raises(ValueError, match="rank 3"):
        ops.norm(np.ones((2, 2, 2)), ord=1)


def test_matrix_norms_from_singular_values(device):
    x = R.uniform(-1, 1, (2, 5, 3))
    for o in (2, -2, "nuc"):
        close(ops.norm(t(x, device), ord=o, axis=(-2, -1)), np.linalg.norm(x, o, (-2, -1)))
        close(ops.norm(t(x, device), ord=o, axis=(2, 1), keepdims=True),
              np.linalg.norm(x, o, (2, 1), keepdims=True))
