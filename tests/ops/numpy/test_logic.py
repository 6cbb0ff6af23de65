"""ops.numpy.logic: comparisons, where / select, logical ops, predicates and any / all."""

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


def test_logic_and_predicates(device):
    a = np.array([[1.0, np.nan, np.inf], [0.0, -np.inf, 2.0]])
    with cf.device(device):
        x = t(a, device)
        np.testing.assert_array_equal(ops.isnan(x).numpy(), np.isnan(a))
        np.testing.assert_array_equal(ops.isinf(x).numpy(), np.isinf(a))
        np.testing.assert_array_equal(ops.isfinite(x).numpy(), np.isfinite(a))
        p, q = np.array([True, False, True]), np.array([True, True, False])
        np.testing.assert_array_equal(ops.logical_and(p, q).numpy(), p & q)
        np.testing.assert_array_equal(ops.logical_or(p, q).numpy(), p | q)
        np.testing.assert_array_equal(ops.logical_xor(p, q).numpy(), p ^ q)
        np.testing.assert_array_equal(ops.logical_not(p).numpy(), ~p)
        b = np.array([[0, 1, 2], [0, 0, 3]])
        np.testing.assert_array_equal(ops.any(b, axis=1).numpy(), b.any(1))
        np.testing.assert_array_equal(ops.all(b, axis=0).numpy(), b.all(0))
        assert bool(ops.any(b)) and not bool(ops.all(b))
        np.testing.assert_array_equal(ops.isclose([1.0, 2.0], [1.0 + 1e-9, 2.1]).numpy(),
                                      [True, False])


def test_comparisons_are_bool_and_not_differentiable(device):
    x = cf.Tensor(np.array([1.0, -1.0]), device=device, requires_grad=True)
    m = x > 0
    assert m.dtype == bool and not m.requires_grad
    np.testing.assert_array_equal(m.numpy(), [True, False])


# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("where", lambda a, b: ops.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
     [distinct(3, 4), anyv(4)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


def test_select(device):
    out = ops.select([t([True, False, False], device), t([True, True, False], device)],
                     [t([1.0, 2.0, 3.0], device), t([4.0, 5.0, 6.0], device)], default=-1.0)
    close(out, [1.0, 5.0, -1.0])
    with pytest.raises(ValueError, match="condlist .* need the same length"):
        ops.select([t([True])], [])
