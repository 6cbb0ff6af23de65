"""ops.linalg.inverses: pinv, cholesky_inverse and matrix_rank against NumPy, with gradients."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(20)


def test_pinv_matches_numpy():
    for shape in ((4, 3), (3, 5), (2, 4, 4)):
        a = R.normal(size=shape)
        np.testing.assert_allclose(ops.pinv(a).numpy(), np.linalg.pinv(a), rtol=1e-10,
                                   atol=1e-12)
    low_rank = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    np.testing.assert_allclose(ops.pinv(low_rank).numpy(), np.linalg.pinv(low_rank),
                               atol=1e-12)
    check_gradients(ops.pinv, [R.normal(size=(4, 3))])
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.pinv(np.ones(3))


def test_cholesky_inverse():
    a = np.array([[4.0, 12.0, -16.0], [12.0, 37.0, -43.0], [-16.0, -43.0, 98.0]])
    low = np.linalg.cholesky(a)
    np.testing.assert_allclose(ops.cholesky_inverse(low).numpy(), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(ops.cholesky_inverse(low.T, upper=True).numpy(),
                               np.linalg.inv(a), rtol=1e-10)

    def spd_inv(x):
        s = ops.matmul(x, ops.swapaxes(x, -1, -2)) + 3.0 * ops.eye(3, dtype=x.dtype)
        return ops.cholesky_inverse(ops.cholesky(s))

    check_gradients(spd_inv, [R.normal(size=(3, 3))])
    with pytest.raises(ValueError, match="square matrix"):
        ops.cholesky_inverse(np.ones((3, 2)))


def test_matrix_rank():
    assert int(ops.matrix_rank(R.normal(size=(6, 3)))) == 3
    assert int(ops.matrix_rank(np.outer(R.normal(size=5), R.normal(size=4)))) == 1
    batched = ops.matrix_rank(R.normal(size=(2, 3, 3)))
    assert batched.dtype == np.int32
    np.testing.assert_array_equal(batched.numpy(), [3, 3])
    near = np.array([[1.0, 2.0], [2.0, 4.000001]])
    assert int(ops.matrix_rank(near)) == 2
    assert int(ops.matrix_rank(near, tol=1e-2)) == 1
