"""ops.numpy.arithmetic: operators and elementwise math against NumPy with float64
central-difference gradients (broadcasting, size-1 axes, scalars), mod / floor_divide /
divide_no_nan / nan_to_num / logaddexp, diff."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import draws

R = np.random.default_rng(7)
_draw = draws(R)
anyv, pos, distinct = _draw.anyv, _draw.pos, _draw.distinct


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


# ---- operators and elementwise math -------------------------------------------------------------

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
    ("exp", ops.exp, np.exp, [anyv(3, 2)]),
    ("log", ops.log, np.log, [pos(3, 2)]),
    ("sqrt", ops.sqrt, np.sqrt, [pos(5)]),
    ("square", ops.square, np.square, [anyv(2, 3)]),
    ("abs", ops.abs, np.abs, [distinct(2, 3)]),
    ("clip", lambda a: ops.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), [distinct(3, 3)]),
    ("maximum", ops.maximum, np.maximum, [distinct(3, 3), distinct(3, 3)[::-1].copy() + 0.003]),
    ("minimum", ops.minimum, np.minimum, [distinct(3, 3), anyv(3) + 0.001]),
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


UNARY = [
    ("log2", ops.log2, np.log2, pos(3)),
    ("log10", ops.log10, np.log10, pos(3)),
    ("exp2", ops.exp2, np.exp2, anyv(3)),
    ("absolute", ops.absolute, np.abs, distinct(4)),
]


@pytest.mark.parametrize("name,fn,ref,x", UNARY, ids=[c[0] for c in UNARY])
def test_unary_math(name, fn, ref, x, device):
    with cf.device(device):
        np.testing.assert_allclose(fn(t(x, device)).numpy(), ref(x), rtol=1e-6, atol=1e-12)
    check_gradients(fn, [x], device=device)


def test_binary_math(device):
    a, b = anyv(3, 4), pos(4)
    with cf.device(device):
        np.testing.assert_allclose(ops.logaddexp(a, b).numpy(), np.logaddexp(a, b))
        np.testing.assert_allclose(ops.mod(a, b).numpy(), np.mod(a, b))
        np.testing.assert_allclose(ops.floor_divide(a, b).numpy(), np.floor_divide(a, b))
        z = np.array([1.0, 0.0, 2.0])
        np.testing.assert_allclose(ops.divide_no_nan(np.ones(3), z).numpy(), [1.0, 0.0, 0.5])
        y = ops.nan_to_num(np.array([np.nan, np.inf, 1.0]), posinf=5.0)
        np.testing.assert_allclose(y.numpy(), [0.0, 5.0, 1.0])
    for fn in (ops.logaddexp, ops.mod):
        check_gradients(fn, [a, b], device=device)
    # x2 == 0 is a jump, so only x1's gradient is checked there (it must be 0, not NaN)
    check_gradients(lambda x: ops.divide_no_nan(x, np.array([1.0, 0.0, 2.0])), [anyv(3)],
                    device=device)


# ---- diff ---------------------------------------------------------------------------------------

REARRANGE = [
    ("diff", lambda a: ops.diff(a, 2, axis=2), lambda a: np.diff(a, 2, axis=2)),
]


@pytest.mark.parametrize("name,fn,ref", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_rearranging_and_indexing(name, fn, ref, device):
    x = anyv(2, 3, 4)
    with cf.device(device):
        got = fn(t(x, device))
    np.testing.assert_allclose(got.numpy(), ref(x))
    assert got.device == device
    check_gradients(fn, [x], device=device)


def test_diff_beyond_the_axis_is_empty():
    x = np.arange(12.0).reshape(3, 4)
    # n beyond the axis size is empty (as NumPy), without looping n times
    assert ops.diff(x, n=2 ** 40, axis=1).shape == (3, 0)


def test_keras_integer_rules():
    i = np.array([1, -2, 3])
    for name in ("exp", "log1p", "sqrt", "expm1"):
        assert getattr(ops, name)(np.abs(i)).dtype == np.float32, name
    assert ops.round(i).dtype == i.dtype and ops.trunc(i).dtype == i.dtype
    np.testing.assert_array_equal(ops.round(np.array([1234, 1251]), decimals=-2).numpy(),
                                  [1200, 1300])
    np.testing.assert_allclose(ops.round(np.array([1.256, -0.5]), decimals=2).numpy(),
                               [1.26, -0.5])
    np.testing.assert_allclose(ops.logaddexp(np.array([1, 2]), np.array([0.5, 0.5])).numpy(),
                               np.logaddexp([1, 2], [0.5, 0.5]), rtol=1e-6)
    assert ops.array([1, 2]).dtype == np.int32  # Python integers default to int32, as Keras
    assert ops.array(2 ** 40).dtype == np.int64  # ... unless they do not fit
