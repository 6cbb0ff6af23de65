"""ops.numpy.special: fmod, gcd / lcm, hypot, cbrt, deg2rad / rad2deg, fabs, fmax / fmin,
heaviside, i0, sinc, ldexp, logaddexp2, nextafter, predicates, angle, allclose: values against
NumPy, Keras' integer promotion and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

R = np.random.default_rng(16)


def anyv(*shape):
    a = R.uniform(-2.0, 2.0, size=shape)
    a[np.abs(a) < 1e-3] += 2e-3
    return a


@pytest.mark.parametrize("name", ["fmod", "hypot", "logaddexp2", "fmax", "fmin", "nextafter",
                                  "heaviside"])
def test_binary_match_numpy(device, name):
    a, b = anyv(3, 4), anyv(4)
    a[0, 0], b[1] = np.nan, np.nan
    b[2] = 0.0
    with np.errstate(all="ignore"), cf.device(device):
        got = getattr(ops, name)(cf.Tensor(a, device=device), cf.Tensor(b, device=device))
        ref = getattr(np, name)(a, b)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-13, equal_nan=True)


@pytest.mark.parametrize("name", ["cbrt", "deg2rad", "rad2deg", "fabs", "i0", "sinc", "signbit",
                                  "isneginf", "isposinf", "angle"])
def test_unary_match_numpy(device, name):
    x = np.array([-np.inf, -2.5, -0.0, 0.0, 0.4, 3.0, np.inf])
    with np.errstate(all="ignore"), cf.device(device):
        got = getattr(ops, name)(cf.Tensor(x, device=device))
        ref = getattr(np, name)(x)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-13)


def test_integer_inputs():
    a, b = np.array([12, -18, 7, 0]), np.array([8, 12, -3, 5])
    np.testing.assert_array_equal(ops.gcd(a, b).numpy(), np.gcd(a, b))
    np.testing.assert_array_equal(ops.lcm(a, b).numpy(), np.lcm(a, b))
    np.testing.assert_array_equal(ops.fmod(a, np.array([5, 5, 2, 3])).numpy(),
                                  np.fmod(a, np.array([5, 5, 2, 3])))
    assert ops.fmod(np.array([True]), np.array([True])).dtype == np.int32
    for name in ("cbrt", "deg2rad", "fabs", "sinc", "i0", "angle", "sqrt", "exp", "sin"):
        assert getattr(ops, name)(np.abs(a)).dtype == np.float32, name  # Keras: int -> floatx
    np.testing.assert_allclose(ops.ldexp(np.array([1.5, 2.0]), np.array([2, -1])).numpy(),
                               [6.0, 1.0])
    assert ops.isreal(a).numpy().all()
    assert bool(ops.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
    assert not bool(ops.allclose(np.array([1.0, np.nan]), np.array([1.0, np.nan])))
    assert bool(ops.allclose(np.array([1.0, np.nan]), np.array([1.0, np.nan]), equal_nan=True))
    with pytest.raises(TypeError, match="gcd needs integer tensors"):
        ops.gcd(np.array([1.5]), np.array([2]))
    with pytest.raises(TypeError, match="exponent must be an integer"):
        ops.ldexp(np.array([1.0]), np.array([0.5]))


def test_gradients():
    a, b = anyv(3, 4), anyv(4)
    check_gradients(ops.hypot, [a, b])
    check_gradients(ops.logaddexp2, [a, b])
    check_gradients(ops.fmod, [a, R.uniform(0.3, 0.9, 4)])
    check_gradients(lambda x: ops.ldexp(x, np.array([1, -2, 0, 3])), [a])
    check_gradients(ops.cbrt, [R.uniform(0.5, 2, (3, 4))])
    check_gradients(ops.i0, [a])
    check_gradients(ops.sinc, [a])
    check_gradients(lambda y: ops.heaviside(np.array([-1.0, 0.0, 3.0]), y), [anyv(3)])
    # fmax / fmin route the gradient to the operand they return, never to a NaN
    x = cf.Tensor(np.array([1.0, np.nan, 3.0]), requires_grad=True)
    y = cf.Tensor(np.array([2.0, 5.0, np.nan]), requires_grad=True)
    with cf.GradientTape() as tape:
        s = ops.sum(ops.fmax(x, y))
    gx, gy = tape.gradient(s, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [0, 0, 1])
    np.testing.assert_array_equal(gy.numpy(), [1, 1, 0])

