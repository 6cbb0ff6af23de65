"""What the NumPy twins share (backend/numpy/common.py): the validation messages both backends
raise, the compute and accumulation dtypes, the IEEE error state, and the elementwise helpers
that mirror ``kernels/cf_common.cuh`` (0 * inf = 0 where the kernels define it so)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from cuflow.backend.numpy import common


def test_check_name_lists_the_valid_names():
    common.check_name("b", ("a", "b"), "thing")
    with pytest.raises(ValueError, match="unknown thing 'c'; expected one of: a, b"):
        common.check_name("c", ("a", "b"), "thing")


def test_check_float_and_shapes_name_what_was_received():
    for dtype in (np.float16, np.float32, np.float64):
        common.check_float(np.zeros(1, dtype))
    with pytest.raises(TypeError, match="w must be float16, float32 or float64, received dtype "
                                        "int32"):
        common.check_float(np.zeros(1, np.int32), "w")
    with pytest.raises(ValueError, match=r"a and b must have the same shape, received a \(2,\) "
                                         r"and b \(3,\)"):
        common.check_same_shape(np.zeros(2), np.zeros(3), "a", "b")


def test_sparse_labels():
    p = np.zeros((4, 3))
    assert common.sparse_label_shape(np.zeros(4, np.int64), p) == (4,)
    assert common.sparse_label_shape(np.zeros((4, 1), np.int64), p) == (4,)
    with pytest.raises(ValueError, match=r"must have shape \(4,\).*received labels of shape "
                                         r"\(4, 2\)"):
        common.sparse_label_shape(np.zeros((4, 2), np.int64), p)
    common.check_integer_labels(np.zeros(2, np.uint8))
    with pytest.raises(TypeError, match="integer array, received dtype float32"):
        common.check_integer_labels(np.zeros(2, np.float32))
    err = common.bad_label_error(np.int64(7), 3)
    assert isinstance(err, ValueError) and "label 7 is out of range [0, 3)" in str(err)


def test_compute_and_accumulation_dtypes():
    assert common.compute_dtype(np.float16) is np.float32
    assert common.compute_dtype(np.float64) is np.float64
    assert common.acc_dtype(np.float16) is np.float32
    assert common.acc_dtype(np.float32) is np.float64
    x = common._as_compute(np.ones(2, np.float16))
    assert x.dtype == np.float32


def test_ieee_wrapper_silences_floating_point_warnings():
    @common._ieee
    def overflow(x):
        return x * np.float32(1e30)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(overflow(np.float32(1e30)))


def test_cf_common_helpers():
    a = np.array([0.0, 0.0, np.inf, 2.0, np.nan])
    b = np.array([np.inf, np.nan, 0.0, 3.0, 0.0])
    with np.errstate(invalid="ignore", over="ignore"):
        got = common._mul0(a, b)
    # 0 * inf is 0 (a limit the kernels rely on); NaN stays NaN
    assert got[0] == 0 and np.isnan(got[1]) and got[2] == 0 and got[3] == 6 and np.isnan(got[4])
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with np.errstate(over="ignore", invalid="ignore"):
        np.testing.assert_allclose(common._sigmoid(x), [0.0, 1 / (1 + math.e), 0.5,
                                                        1 / (1 + math.exp(-1)), 1.0])
        np.testing.assert_allclose(common._softplus(x), np.logaddexp(0, x))
    np.testing.assert_array_equal(common._relu6(np.array([-1.0, 3.0, 9.0])), [0.0, 3.0, 6.0])
    np.testing.assert_allclose(common._erfc(np.array([0.0, 1.0], np.float32)),
                               [1.0, math.erfc(1.0)], rtol=1e-7)
    assert common._erfc(np.float64(0.5)).shape == ()
