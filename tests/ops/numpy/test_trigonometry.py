"""ops.numpy.trigonometry: trigonometric and hyperbolic functions and their inverses against
NumPy, with float64 central-difference gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import draws

R = np.random.default_rng(11)
_draw = draws(R)
anyv, pos, distinct = _draw.anyv, _draw.pos, _draw.distinct


def t(a, device):
    return cf.Tensor(np.asarray(a), device=device)


UNARY = [
    ("tan", ops.tan, np.tan, R.uniform(-1, 1, (3, 2))),
    ("arctan", ops.arctan, np.arctan, anyv(4)),
    ("arcsin", ops.arcsin, np.arcsin, R.uniform(-0.8, 0.8, 4)),
    ("arccos", ops.arccos, np.arccos, R.uniform(-0.8, 0.8, 4)),
    ("sinh", ops.sinh, np.sinh, anyv(2, 3)),
    ("cosh", ops.cosh, np.cosh, anyv(2, 3)),
    ("arcsinh", ops.arcsinh, np.arcsinh, anyv(3)),
    ("arccosh", ops.arccosh, np.arccosh, pos(3) + 1),
    ("arctanh", ops.arctanh, np.arctanh, R.uniform(-0.8, 0.8, 3)),
]


@pytest.mark.parametrize("name,fn,ref,x", UNARY, ids=[c[0] for c in UNARY])
def test_unary_math(name, fn, ref, x, device):
    with cf.device(device):
        np.testing.assert_allclose(fn(t(x, device)).numpy(), ref(x), rtol=1e-6, atol=1e-12)
    check_gradients(fn, [x], device=device)


def test_sin_cos(device):
    x = anyv(2, 3)
    with cf.device(device):
        np.testing.assert_allclose(ops.sin(t(x, device)).numpy(), np.sin(x))
        np.testing.assert_allclose(ops.cos(t(x, device)).numpy(), np.cos(x))
    check_gradients(ops.sin, [x], device=device)
    check_gradients(ops.cos, [x], device=device)
    # integer tensors promote to floatx, as Keras (result_type(int, float) is float32)
    out = ops.cos(np.arange(3))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), np.cos(np.arange(3)), rtol=1e-6)


def test_arctan2(device):
    a, b = anyv(3, 4), pos(4)
    with cf.device(device):
        np.testing.assert_allclose(ops.arctan2(a, b).numpy(), np.arctan2(a, b))
    check_gradients(ops.arctan2, [a, b], device=device)
