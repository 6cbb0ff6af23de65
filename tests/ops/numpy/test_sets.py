"""ops.numpy.sets: unique (with index / inverse / counts / axis / size), isin, unravel_index
against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops


def test_unique():
    x = np.array([3, 1, 2, 1, 4, 2])
    np.testing.assert_array_equal(ops.unique(x).numpy(), [1, 2, 3, 4])
    v, idx, inv, cnt = ops.unique(x, return_index=True, return_inverse=True,
                                  return_counts=True)
    rv, ridx, rinv, rcnt = np.unique(x, return_index=True, return_inverse=True,
                                     return_counts=True)
    for got, ref in ((v, rv), (idx, ridx), (inv, rinv), (cnt, rcnt)):
        np.testing.assert_array_equal(got.numpy(), ref)
    np.testing.assert_array_equal(ops.take(v, inv).numpy(), x)
    m = np.array([[1, 0, 1], [0, 1, 0]])
    v, inv = ops.unique(m, axis=1, return_inverse=True)
    np.testing.assert_array_equal(v.numpy(), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(ops.take(v, inv, axis=1).numpy(), m)
    v, cnt = ops.unique(np.array([3, 1, 2, 1]), size=5, fill_value=-1, return_counts=True)
    np.testing.assert_array_equal(v.numpy(), [1, 2, 3, -1, -1])
    np.testing.assert_array_equal(cnt.numpy(), [2, 1, 1, 0, 0])
    np.testing.assert_array_equal(ops.unique(x, size=2).numpy(), [1, 2])


def test_isin_and_unravel_index():
    a = np.array([[1, 5, 3], [7, 2, 9]])
    np.testing.assert_array_equal(ops.isin(a, [1, 2, 3]).numpy(), np.isin(a, [1, 2, 3]))
    np.testing.assert_array_equal(ops.isin(a, [9], invert=True).numpy(),
                                  np.isin(a, [9], invert=True))
    idx = np.array([[0, 5], [7, 11]], dtype=np.int32)
    got = ops.unravel_index(idx, (3, 4))
    for g, r in zip(got, np.unravel_index(idx, (3, 4))):
        assert g.dtype == np.int32
        np.testing.assert_array_equal(g.numpy(), r)
    with pytest.raises(TypeError, match="indices must be integers"):
        ops.unravel_index(np.array([1.0]), (2, 2))
