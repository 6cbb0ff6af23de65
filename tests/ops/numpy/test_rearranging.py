"""ops.numpy.rearranging: split, flip, roll, repeat and rot90 against NumPy with gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(7)
_draw = draws(R)
anyv, pos, distinct = _draw.anyv, _draw.pos, _draw.distinct


# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("split", lambda a: ops.split(a, [1], axis=1)[1] * 2, lambda a: a[:, 1:] * 2,
     [anyv(2, 4)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


REARRANGE = [
    ("flip", lambda a: ops.flip(a, 1), lambda a: np.flip(a, 1)),
    ("flip_all", ops.flip, np.flip),
    ("roll", lambda a: ops.roll(a, 2, axis=2), lambda a: np.roll(a, 2, axis=2)),
    ("roll_flat", lambda a: ops.roll(a, -3), lambda a: np.roll(a, -3)),
    ("roll_multi", lambda a: ops.roll(a, (1, 2), axis=(0, 2)),
     lambda a: np.roll(a, (1, 2), axis=(0, 2))),
    ("repeat", lambda a: ops.repeat(a, 2, axis=1), lambda a: np.repeat(a, 2, axis=1)),
    ("repeat_list", lambda a: ops.repeat(a, [1, 0, 2], axis=1),
     lambda a: np.repeat(a, [1, 0, 2], axis=1)),
    ("repeat_flat", lambda a: ops.repeat(a, 2), lambda a: np.repeat(a, 2)),
]


@pytest.mark.parametrize("name,fn,ref", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_rearranging_and_indexing(name, fn, ref, device):
    x = anyv(2, 3, 4)
    with cf.device(device):
        got = fn(t(x, device))
    np.testing.assert_allclose(got.numpy(), ref(x))
    assert got.device == device
    check_gradients(fn, [x], device=device)


def test_roll_errors():
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(TypeError, match="shift must be an int"):
        ops.roll(x, float("inf"))


def test_rot90(device):
    x = R.normal(size=(2, 3, 4))
    for k in range(-1, 5):
        close(ops.rot90(t(x, device), k, (2, 0)), np.rot90(x, k, (2, 0)))
