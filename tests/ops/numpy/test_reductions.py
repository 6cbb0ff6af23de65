"""ops.numpy.reductions: sums, means, extrema, products, variance, arg-extrema, average,
count_nonzero, cumulative sums and products, quantiles: values against NumPy and float64
central-difference gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import close, draws, t

R = np.random.default_rng(7)
_draw = draws(R)
anyv, pos, distinct, noncontig = _draw.anyv, _draw.pos, _draw.distinct, _draw.noncontig


# ---- sums, means, extrema, moments --------------------------------------------------------------

# (name, fn over Tensors, numpy reference, input arrays)
CASES = [
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
]


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy(name, fn, ref, inputs, device):
    got = fn(*[cf.Tensor(a, device=device) for a in inputs])
    want = ref(*inputs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref,inputs", CASES, ids=[c[0] for c in CASES])
def test_gradient_central_difference(name, fn, ref, inputs, device):
    check_gradients(fn, inputs, device=device)


def test_argmax_argmin(device):
    a = distinct(4, 5)
    t = cf.Tensor(a, device=device)
    np.testing.assert_array_equal(t.argmax(axis=1).numpy(), a.argmax(1))
    np.testing.assert_array_equal(ops.argmin(t, 0).numpy(), a.argmin(0))


def test_count_nonzero(device):
    b = np.array([[0, 1, 2], [0, 0, 3]])
    with cf.device(device):
        np.testing.assert_array_equal(ops.count_nonzero(b, axis=1).numpy(), [2, 1])
        assert int(ops.count_nonzero(b)) == 3


def test_average(device):
    x = anyv(3, 4)
    with cf.device(device):
        w = pos(4)
        np.testing.assert_allclose(ops.average(t(x, device), axis=1, weights=w).numpy(),
                                   np.average(x, axis=1, weights=w))
    check_gradients(lambda a: ops.average(a, axis=0, weights=np.arange(1.0, 4.0)), [x],
                    device=device)


# ---- scans --------------------------------------------------------------------------------------

def test_cumsum_cumprod(device):
    x = anyv(3, 4)
    with cf.device(device):
        np.testing.assert_allclose(ops.cumsum(t(x, device), axis=1).numpy(), np.cumsum(x, 1))
        np.testing.assert_allclose(ops.cumsum(t(x, device)).numpy(), np.cumsum(x))
        np.testing.assert_allclose(ops.cumprod(t(x, device), axis=0).numpy(), np.cumprod(x, 0))
        assert ops.cumsum(np.arange(4)).tolist() == [0, 1, 3, 6]
    check_gradients(lambda a: ops.cumsum(a, axis=0), [x], device=device)
    check_gradients(lambda a: ops.cumsum(a), [x], device=device)
    check_gradients(lambda a: ops.cumprod(a, axis=1), [x], device=device)
    with_zero = anyv(2, 5)
    with_zero[0, 1] = 0.0
    with_zero[1, 3] = 0.0
    check_gradients(lambda a: ops.cumprod(a, axis=-1), [with_zero], device=device)


# ---- quantiles ----------------------------------------------------------------------------------

def test_quantile_and_median_match_numpy(device):
    x = R.normal(size=(4, 5, 6))
    for q in (0.3, [0.0, 0.25, 0.5, 0.9, 1.0]):
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            for axis in (None, 1, (0, 2)):
                for kd in (False, True):
                    # NumPy interpolates from the nearer end: last-bit differences
                    close(ops.quantile(t(x, device), q, axis=axis, method=method, keepdims=kd),
                          np.quantile(x, q, axis=axis, method=method, keepdims=kd), atol=1e-12,
                          rtol=1e-5)
    xs = np.arange(5.0)  # 'nearest' ties round half to even, as NumPy
    for q in (0.125, 0.375, 0.625, 0.875):
        close(ops.quantile(t(xs, device), q, method="nearest"),
              np.quantile(xs, q, method="nearest"))
    close(ops.median(t(x, device), axis=-1), np.median(x, axis=-1))
    close(ops.median(t(x[:, :, :5], device)), np.median(x[:, :, :5]))


def test_quantile_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        ops.quantile(t([1.0, 2.0]), 0.5, method="cubic")
    with pytest.raises(ValueError, match=r"q must be in \[0, 1\]"):
        ops.quantile(t([1.0, 2.0]), 1.5)


def test_keras_argmax_and_counts():
    a = np.array([[1.0, 3.0, -0.0], [4.0, 2.0, 0.0]])
    out = ops.argmax(a, axis=1, keepdims=True)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [[1], [0]])
    # -0.0 ranks below 0.0, as Keras
    np.testing.assert_array_equal(ops.argmax(np.array([-0.0, 0.0])).numpy(), 1)
    np.testing.assert_array_equal(ops.argmin(np.array([0.0, -0.0])).numpy(), 1)
    assert ops.count_nonzero(a).dtype == np.int32
    # integer inputs of var / std promote to floatx
    assert ops.var(np.array([1, 2, 3])).dtype == np.float32
    np.testing.assert_allclose(ops.std(np.array([1, 2, 3])).numpy(), np.std([1, 2, 3]), 1e-6)
