"""Every core op: forward against NumPy and a float64 central-difference gradient check."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(7)


def pos(*shape):
    return R.uniform(0.5, 2.0, size=shape)


def anyv(*shape):
    return R.uniform(-2.0, 2.0, size=shape)


def distinct(*shape):
    # distinct values so max/min/sort-like ops have no ties, away from kinks
    n = int(np.prod(shape))
    return (R.permutation(n).astype(np.float64) / n * 4 - 2 + 0.01).reshape(shape)


def noncontig(*shape):
    a = anyv(*shape[::-1]).T  # a transposed (non-contiguous) view
    assert not a.flags["C_CONTIGUOUS"] or a.ndim < 2
    return a


# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
    ("add_bcast", lambda a, b: a + b, lambda a, b: a + b, [anyv(3, 4), anyv(4)]),
    ("add_size1", lambda a, b: a + b, lambda a, b: a + b, [anyv(1, 1), anyv(2, 3)]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, [anyv(2, 3), anyv(2, 1)]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, [anyv(2, 3, 4), anyv(3, 1)]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, [anyv(3, 4), pos(1, 4)]),
    ("pow", lambda a, b: a ** b, lambda a, b: a ** b, [pos(3, 2), anyv(3, 2)]),
    ("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, [anyv(4)]),
    ("rsub_scalar", lambda a: 2.0 - a, lambda a: 2.0 - a, [anyv(2, 2)]),
    ("rdiv_scalar", lambda a: 1.0 / a, lambda a: 1.0 / a, [pos(3)]),
    ("neg", lambda a: -a, lambda a: -a, [anyv(3)]),
    ("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(3, 4), anyv(4, 5)]),
    ("matmul_nc", lambda a, b: a @ b, lambda a, b: a @ b, [noncontig(3, 4), noncontig(4, 2)]),
    ("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(2, 3, 4), anyv(4, 5)]),
    ("matmul_bcast", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(2, 1, 3, 4), anyv(5, 4, 2)]),
    ("matmul_vec", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(4), anyv(4, 3)]),
    ("matmul_matvec", lambda a, b: a @ b, lambda a, b: a @ b, [anyv(2, 4), anyv(4)]),
    ("exp", ops.exp, np.exp, [anyv(3, 2)]),
    ("log", ops.log, np.log, [pos(3, 2)]),
    ("sqrt", ops.sqrt, np.sqrt, [pos(5)]),
    ("square", ops.square, np.square, [anyv(2, 3)]),
    ("abs", ops.abs, np.abs, [distinct(2, 3)]),
    ("clip", lambda a: ops.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), [distinct(3, 3)]),
    ("maximum", ops.maximum, np.maximum, [distinct(3, 3), distinct(3, 3)[::-1].copy() + 0.003]),
    ("minimum", ops.minimum, np.minimum, [distinct(3, 3), anyv(3) + 0.001]),
    ("where", lambda a, b: ops.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
     [distinct(3, 4), anyv(4)]),
    ("sum_all", lambda a: a.sum(), lambda a: a.sum(), [anyv(3, 4)]),
    ("sum_axis", lambda a: a.sum(axis=1), lambda a: a.sum(axis=1), [anyv(3, 4, 2)]),
    ("sum_keep", lambda a: ops.sum(a, (0, 2), True), lambda a: a.sum((0, 2), keepdims=True),
     [anyv(3, 4, 2)]),
    ("mean", lambda a: a.mean(axis=0), lambda a: a.mean(axis=0), [noncontig(3, 4)]),
    ("max", lambda a: a.max(axis=1), lambda a: a.max(axis=1), [distinct(3, 5)]),
    ("min_keep", lambda a: a.min(axis=0, keepdims=True), lambda a: a.min(0, keepdims=True),
     [distinct(4, 2)]),
    ("prod", lambda a: a.prod(axis=1), lambda a: a.prod(axis=1), [anyv(3, 4)]),
    ("prod_zero", lambda a: a.prod(), lambda a: a.prod(), [np.array([0.0, 2.0, -1.5])]),
    ("var", lambda a: a.var(axis=1), lambda a: a.var(axis=1), [anyv(3, 5)]),
    ("std", lambda a: a.std(), lambda a: a.std(), [anyv(4, 3)]),
    ("logsumexp", lambda a: ops.logsumexp(a, axis=-1),
     lambda a: np.log(np.exp(a).sum(-1)), [anyv(3, 4)]),
    ("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), [noncontig(2, 6)]),
    ("transpose", lambda a: ops.transpose(a, (2, 0, 1)), lambda a: a.transpose(2, 0, 1),
     [anyv(2, 3, 4)]),
    ("T", lambda a: a.T, lambda a: a.T, [anyv(2, 3)]),
    ("expand_dims", lambda a: ops.expand_dims(a, 1), lambda a: a[:, None], [anyv(3, 2)]),
    ("squeeze", lambda a: ops.squeeze(a, 1), lambda a: a[:, 0], [anyv(3, 1, 2)]),
    ("concat", lambda a, b: ops.concatenate([a, b], axis=1),
     lambda a, b: np.concatenate([a, b], 1), [anyv(2, 3), anyv(2, 1)]),
    ("stack", lambda a, b: ops.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1),
     [anyv(2, 3), anyv(2, 3)]),
    ("split", lambda a: ops.split(a, [1, -1], axis=1)[1] * 2, lambda a: a[:, 1:] * 2,
     [anyv(2, 4)]),
    ("pad", lambda a: ops.pad(a, [[1, 0], [2, 1]]), lambda a: np.pad(a, [[1, 0], [2, 1]]),
     [anyv(2, 3)]),
    ("pad_reflect", lambda a: ops.pad(a, [[1, 1]], mode="reflect"),
     lambda a: np.pad(a, [[1, 1]], mode="reflect"), [anyv(4)]),
    ("tile", lambda a: ops.tile(a, (2, 3)), lambda a: np.tile(a, (2, 3)), [anyv(2, 2)]),
    ("slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [anyv(3, 5)]),
    ("int_index", lambda a: a[[0, 2, 0]], lambda a: a[[0, 2, 0]], [anyv(3, 2)]),
    ("bool_index", lambda a: a[np.array([True, False, True])],
     lambda a: a[np.array([True, False, True])], [anyv(3, 2)]),
    ("gather", lambda a: ops.gather(a, np.array([[1, 1], [0, 2]])),
     lambda a: a[np.array([[1, 1], [0, 2]])], [anyv(3, 2)]),
    ("composite", lambda w, x, b: ops.mean((x @ w + b)[:, 1:] ** 2, axis=0),
     lambda w, x, b: ((x @ w + b)[:, 1:] ** 2).mean(0), [anyv(3, 4), anyv(5, 3), anyv(4)]),
    ("size1", lambda a, b: (a * b).sum(axis=0), lambda a, b: (a * b).sum(0), [anyv(1), anyv(1)]),
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


def test_cast_gradient_passes_through(device):
    x = cf.Tensor(np.arange(3.0), device=device, requires_grad=True)
    y = ops.cast(x, "float32").sum()
    y.backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3))


def test_argmax_argmin_one_hot(device):
    a = distinct(4, 5)
    t = cf.Tensor(a, device=device)
    np.testing.assert_array_equal(t.argmax(axis=1).numpy(), a.argmax(1))
    np.testing.assert_array_equal(ops.argmin(t, 0).numpy(), a.argmin(0))
    oh = ops.one_hot(cf.Tensor(np.array([0, 2, 1]), device=device), 3)
    np.testing.assert_array_equal(oh.numpy(), np.eye(3, dtype=np.float32)[[0, 2, 1]])
    assert oh.dtype == np.float32


def test_comparisons_are_bool_and_not_differentiable(device):
    x = cf.Tensor(np.array([1.0, -1.0]), device=device, requires_grad=True)
    m = x > 0
    assert m.dtype == bool and not m.requires_grad
    np.testing.assert_array_equal(m.numpy(), [True, False])


def test_scatter_add_gradient_repeated_indices(device):
    x = cf.Tensor(np.zeros((3, 2)), device=device, requires_grad=True)
    y = x[np.array([2, 2, 0, 2])].sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [0, 0], [3, 3]])
