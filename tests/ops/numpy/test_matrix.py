"""ops.numpy.matrix: triu / tril, diagonal, trace, diag and diagflat against NumPy with
gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(11)
_draw = draws(R)
anyv = _draw.anyv


REARRANGE = [
    ("triu", lambda a: ops.triu(a, 1), lambda a: np.triu(a, 1)),
    ("tril", lambda a: ops.tril(a, -1), lambda a: np.tril(a, -1)),
    ("diagonal", lambda a: ops.diagonal(a, 1, 1, 2), lambda a: np.diagonal(a, 1, 1, 2)),
    ("trace", lambda a: ops.trace(a, -1, 0, 2), lambda a: np.trace(a, -1, 0, 2)),
    ("diag_vec", lambda a: ops.diag(a[0, 0], 1), lambda a: np.diag(a[0, 0], 1)),
    ("diag_mat", lambda a: ops.diag(a[0], -1), lambda a: np.diag(a[0], -1)),
]


@pytest.mark.parametrize("name,fn,ref", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_rearranging_and_indexing(name, fn, ref, device):
    x = anyv(2, 3, 4)
    with cf.device(device):
        got = fn(t(x, device))
    np.testing.assert_allclose(got.numpy(), ref(x))
    assert got.device == device
    check_gradients(fn, [x], device=device)


def test_diagflat(device):
    close(ops.diagflat(t([[1.0, 2.0], [3.0, 4.0]], device), 1), np.diagflat([[1, 2], [3, 4]], 1))


def test_triu_needs_a_matrix():
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.triu(np.ones(3))
