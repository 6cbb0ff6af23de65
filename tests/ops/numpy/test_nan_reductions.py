"""ops.numpy.nan_reductions: the NaN-ignoring reductions, percentile and ptp against NumPy, their
Keras dtypes, and gradients that skip the NaN entries."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import ops
from cuflow.testing import check_gradients

from .._helpers import t

R = np.random.default_rng(15)
X = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, np.nan, np.nan], [4.0, 5.0, 6.0, 0.5]])


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
                                  "nanprod", "nanmedian"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_nan_reductions_match_numpy(device, name, axis):
    with np.errstate(all="ignore"), cf.device(device):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = getattr(np, name)(X, axis=axis, keepdims=True)
        got = getattr(ops, name)(t(X, device), axis=axis, keepdims=True)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12, equal_nan=True)


def test_nan_args_and_scans(device):
    x = t(X, device)
    np.testing.assert_array_equal(ops.nanargmax(x, axis=1).numpy(), [2, -1, 2])
    np.testing.assert_array_equal(ops.nanargmin(x, axis=1, keepdims=True).numpy(),
                                  [[3], [-1], [3]])
    assert ops.nanargmax(x).dtype == np.int32
    np.testing.assert_allclose(ops.nancumsum(x, axis=1).numpy(), np.nancumsum(X, axis=1))
    np.testing.assert_allclose(ops.nancumprod(x).numpy(), np.nancumprod(X))
    assert ops.nancumsum(np.array([True, False, True])).dtype == np.int32


def test_integer_dtypes_follow_keras():
    i8 = np.array([[1, 2], [3, 4]], dtype=np.int8)
    assert ops.nansum(i8).dtype == np.int32          # small ints accumulate in int32
    assert ops.nanprod(np.array([2, 3], np.uint8)).dtype == np.uint32
    assert ops.nanmean(i8).dtype == np.float32       # means of integers are floatx
    assert ops.nanvar(i8, axis=0).dtype == np.float32
    np.testing.assert_allclose(ops.percentile(np.arange(10), [10, 50]).numpy(), [0.9, 4.5])


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_nanquantile_percentile_ptp(method):
    x = R.uniform(-3, 3, (4, 6))
    x[1, 2] = x[3, 0] = x[3, 5] = np.nan
    q = np.array([0.0, 0.3, 0.5, 1.0])
    np.testing.assert_allclose(ops.nanquantile(x, q, axis=1, method=method).numpy(),
                               np.nanquantile(x, q, axis=1, method=method), rtol=1e-12)
    np.testing.assert_allclose(ops.nanpercentile(x, 40.0, axis=0, keepdims=True).numpy(),
                               np.nanpercentile(x, 40.0, axis=0, keepdims=True), rtol=1e-12)
    y = np.nan_to_num(x)
    np.testing.assert_allclose(ops.percentile(y, q * 100, axis=0, method=method).numpy(),
                               np.percentile(y, q * 100, axis=0, method=method), rtol=1e-12)
    np.testing.assert_allclose(ops.ptp(y, axis=1).numpy(), np.ptp(y, axis=1))
    # a slice holding NaN gives NaN for the plain quantile, as NumPy
    assert np.isnan(ops.quantile(x, 0.5, axis=1).numpy()[1])


def test_gradients_skip_nan_entries():
    mask = np.isnan(X)

    def fill(fn):
        return lambda x: fn(ops.where(mask, float("nan"), x))

    base = np.where(mask, 0.0, R.uniform(-1, 1, X.shape))
    base[0, 0], base[2, 1] = 1.7, -1.9  # no ties for the extrema
    check_gradients(fill(lambda x: ops.nansum(x, axis=1)), [base])
    check_gradients(fill(lambda x: ops.nanmean(ops.nanvar(x, axis=0))), [base])
    check_gradients(fill(lambda x: ops.nanmax(x, axis=0)), [base])
    x = t(base, "cpu")
    x.requires_grad = True
    with cf.GradientTape() as tape:
        y = ops.sum(ops.nansum(ops.where(mask, float("nan"), x), axis=1))
    (g,) = tape.gradient(y, [x])
    np.testing.assert_array_equal(g.numpy(), np.where(mask, 0.0, 1.0))  # NaN entries get 0


def test_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        ops.nanquantile(X, 0.5, method="cubic")
    with pytest.raises(ValueError, match=r"percentiles in \[0, 100\]"):
        ops.percentile(np.arange(3.0), 150)
