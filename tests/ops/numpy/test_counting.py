"""ops.numpy.counting: bincount (with weights, minlength, per row), histogram and digitize."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import ops

from .._helpers import close, t


def test_bincount_histogram_digitize(device):
    xi = np.array([[0, 1, 1, 3], [2, 2, 0, 0]])
    np.testing.assert_array_equal(ops.bincount(t(xi, device)).numpy(),
                                  [[1, 2, 0, 1], [2, 0, 2, 0]])
    np.testing.assert_array_equal(ops.bincount(t(xi[0], device), minlength=6).numpy(),
                                  np.bincount(xi[0], minlength=6))
    w = np.array([0.5, 1.0, 2.0, 4.0])
    close(ops.bincount(t(xi[0], device), weights=t(w, device)), np.bincount(xi[0], w))
    vals = np.array([0.0, 1, 1, 2, 5])
    counts, edges = ops.histogram(t(vals, device), bins=3)
    rc, re_ = np.histogram(vals, bins=3)
    np.testing.assert_array_equal(counts.numpy(), rc)
    close(edges, re_)
    counts, edges = ops.histogram(t(vals, device), bins=2, range=(0, 2))
    np.testing.assert_array_equal(counts.numpy(), np.histogram(vals, 2, (0, 2))[0])
    x = np.array([0.2, 6.4, 3.0, 1.6])
    bins = np.array([0.0, 1.0, 2.5, 4.0, 10.0])
    np.testing.assert_array_equal(ops.digitize(t(x, device), t(bins, device)).numpy(),
                                  [1, 4, 3, 2])  # the Keras / NumPy docs example


def test_counting_errors():
    with pytest.raises(ValueError, match="must be non-negative"):
        ops.bincount(t([1, -1]))
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        ops.bincount(t([1]), sparse=True)
    with pytest.raises(ValueError, match="Argument `bins` should be a non-negative integer"):
        ops.histogram(t([1.0, 2.0]), bins=0)
    with pytest.raises(ValueError, match="Argument `range` must be a tuple of two elements"):
        ops.histogram(t([1.0, 2.0]), range=(1,))
    with pytest.raises(ValueError, match="second element of `range` must be greater"):
        ops.histogram(t([1.0, 2.0]), range=(5, 1))
    with pytest.raises(ValueError, match="Input tensor must be 1-dimensional"):
        ops.histogram(t([[1.0, 2.0]]))
