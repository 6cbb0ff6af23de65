"""What the ops tests share: tensors from arrays, a closeness check, and value makers that draw
from the calling test file's own generator (each file keeps its seed, so its data is the same
whatever other files run)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import cuflow as cf


def t(a, device="cpu"):
    return cf.Tensor(np.asarray(a), device=device)


def close(got, ref, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), ref,
                               rtol=rtol, atol=atol)


def draws(R):
    """``anyv`` (uniform in [-2, 2)), ``pos`` ([0.5, 2)), ``distinct`` (no two entries equal)
    and ``noncontig`` (a transposed view) of any shape, drawn from ``R``."""

    def anyv(*shape):
        return R.uniform(-2.0, 2.0, size=shape)

    def pos(*shape):
        return R.uniform(0.5, 2.0, size=shape)

    def distinct(*shape):
        n = int(np.prod(shape))
        return (R.permutation(n).astype(np.float64) / n * 4 - 2 + 0.01).reshape(shape)

    def noncontig(*shape):
        a = anyv(*shape[::-1]).T  # a transposed (non-contiguous) view
        assert not a.flags["C_CONTIGUOUS"] or a.ndim < 2
        return a

    return SimpleNamespace(anyv=anyv, pos=pos, distinct=distinct, noncontig=noncontig)
