"""ops.numpy.sorting: sort / argsort (stable), argpartition and searchsorted."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import draws, t

R = np.random.default_rng(11)
_draw = draws(R)
distinct = _draw.distinct


def test_sort_argsort(device):
    x = distinct(3, 5)
    with cf.device(device):
        np.testing.assert_array_equal(ops.sort(t(x, device)).numpy(), np.sort(x))
        np.testing.assert_array_equal(ops.sort(t(x, device), axis=0).numpy(), np.sort(x, 0))
        np.testing.assert_array_equal(ops.argsort(t(x, device)).numpy(), np.argsort(x))
    check_gradients(lambda a: ops.sort(a, axis=-1), [x], device=device)


def test_searchsorted_and_argpartition(device):
    s = np.array([1.0, 2.0, 2.0, 3.0])
    for side in ("left", "right"):
        np.testing.assert_array_equal(
            ops.searchsorted(t(s, device), t([2.0, 0.0, 5.0], device), side=side).numpy(),
            np.searchsorted(s, [2.0, 0.0, 5.0], side=side))
    y = np.array([3, 4, 2, 1, 7])
    part = ops.argpartition(t(y, device), 2).numpy()
    assert sorted(y[part[:2]]) == [1, 2] and y[part[2]] == 3


def test_sorting_errors():
    with pytest.raises(ValueError, match="side must be"):
        ops.searchsorted(t([1.0]), t([1.0]), side="middle")
    with pytest.raises(ValueError, match="out of range"):
        ops.argpartition(t([1, 2]), 5)
