"""ops.numpy.splitting: array_split, hsplit / vsplit / dsplit, flipud / fliplr, dstack against
NumPy, with gradients routed back through the pieces."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(17)


def same(parts, refs):
    assert len(parts) == len(refs)
    for p, r in zip(parts, refs):
        np.testing.assert_array_equal(p.numpy(), r)


def test_splits_match_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    same(ops.array_split(x, 2, axis=1), np.array_split(x, 2, axis=1))
    same(ops.array_split(x, 5, axis=2), np.array_split(x, 5, axis=2))  # empty tail pieces
    same(ops.array_split(x, [1, -1, 10], axis=2), np.array_split(x, [1, -1, 10], axis=2))
    same(ops.hsplit(x, 3), np.hsplit(x, 3))
    same(ops.hsplit(np.arange(6), [2, 5]), np.hsplit(np.arange(6), [2, 5]))
    same(ops.vsplit(x, 2), np.vsplit(x, 2))
    same(ops.dsplit(x, [1, 3]), np.dsplit(x, [1, 3]))
    np.testing.assert_array_equal(ops.flipud(x).numpy(), np.flipud(x))
    np.testing.assert_array_equal(ops.fliplr(x).numpy(), np.fliplr(x))
    for xs in ([np.arange(3), np.arange(3)], [x[0], x[1]], [x, x]):
        np.testing.assert_array_equal(ops.dstack(xs).numpy(), np.dstack(xs))


def test_errors():
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(ValueError, match="does not result in an equal division"):
        ops.vsplit(x, 2)
    with pytest.raises(ValueError, match="rank >= 3"):
        ops.dsplit(x, 2)
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.fliplr(np.arange(3))
    with pytest.raises(ValueError, match="number of sections must be > 0"):
        ops.array_split(x, 0)


def test_gradients():
    check_gradients(lambda x: ops.concatenate(
        [p * (i + 1) for i, p in enumerate(ops.array_split(x, 3, axis=1))], 1), [R.normal(
            size=(2, 5))])
    check_gradients(lambda a, b: ops.dstack([a, b]), [R.normal(size=(2, 3)),
                                                      R.normal(size=(2, 3))])
    check_gradients(lambda x: ops.fliplr(x) * np.arange(6.0).reshape(2, 3), [R.normal(
        size=(2, 3))])
