"""What the linear-algebra ops share: matrix transposes, input checks, identity matrices."""

from __future__ import annotations

from .._core import check_float, to_tensor


def _t(xp, m):
    return xp.swapaxes(m, -1, -2)


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
