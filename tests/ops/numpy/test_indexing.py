"""ops.numpy.indexing: getitem (basic, integer and boolean), gather, take, take_along_axis and
nonzero; gradients scatter-add over repeated indices."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import draws, t

R = np.random.default_rng(7)
_draw = draws(R)
anyv, pos, distinct = _draw.anyv, _draw.pos, _draw.distinct


# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [anyv(3, 5)]),
    ("int_index", lambda a: a[[0, 2, 0]], lambda a: a[[0, 2, 0]], [anyv(3, 2)]),
    ("bool_index", lambda a: a[np.array([True, False, True])],
     lambda a: a[np.array([True, False, True])], [anyv(3, 2)]),
    ("gather", lambda a: ops.gather(a, np.array([[1, 1], [0, 2]])),
     lambda a: a[np.array([[1, 1], [0, 2]])], [anyv(3, 2)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


def test_scatter_add_gradient_repeated_indices(device):
    x = cf.Tensor(np.zeros((3, 2)), device=device, requires_grad=True)
    y = x[np.array([2, 2, 0, 2])].sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [0, 0], [3, 3]])


REARRANGE = [
    ("take", lambda a: ops.take(a, np.array([2, 0, -1]), axis=1),
     lambda a: np.take(a, [2, 0, -1], axis=1)),
    ("take_flat", lambda a: ops.take(a, np.array([[0, 5], [5, 23]])),
     lambda a: np.take(a, [[0, 5], [5, 23]])),
    ("take_along", lambda a: ops.take_along_axis(a, np.array([[[0, 3]], [[1, 1]]]), axis=2),
     lambda a: np.take_along_axis(a, np.array([[[0, 3]], [[1, 1]]]), axis=2)),
]


@pytest.mark.parametrize("name,fn,ref", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_rearranging_and_indexing(name, fn, ref, device):
    x = anyv(2, 3, 4)
    with cf.device(device):
        got = fn(t(x, device))
    np.testing.assert_allclose(got.numpy(), ref(x))
    assert got.device == device
    check_gradients(fn, [x], device=device)


def test_take_errors():
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(IndexError, match="index 4 is out of range"):
        ops.take(x, np.array([4]), axis=0)
    with pytest.raises(TypeError, match="float64"):
        ops.take(x, np.array([0.5]))


def test_nonzero(device):
    nz = ops.nonzero(t([[0, 1], [2, 0]], device))
    assert [i.numpy().tolist() for i in nz] == [[0, 1], [1, 0]]
    assert ops.get_item is ops.getitem
