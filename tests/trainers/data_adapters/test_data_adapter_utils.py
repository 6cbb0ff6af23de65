"""What every adapter shares: uploads and dtypes, host text, class weights as sample weights,
and Keras's pack / unpack of (x, y, sample_weight) batches."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.backend import get_backend
from cuflow.trainers.data_adapters import data_adapter_utils as du

BK = get_backend("cpu")


def test_device_array_casts_floats_to_float32_and_keeps_ints():
    assert du.device_array(np.ones(3, np.float64), BK).dtype == np.float32
    assert du.device_array(np.ones(3, np.float16), BK).dtype == np.float32
    assert du.device_array(np.arange(3), BK).dtype == np.int64
    assert du.device_array([[1, 2]], BK).shape == (1, 2)
    t = cf.Tensor(np.ones((2, 2), "float32"))
    assert du.device_array(t, BK) is t.data  # already on this backend: no copy


def test_text_stays_on_the_host():
    words = du.device_array(["a", "bc"], BK)
    assert du.is_host_text(words) and words.tolist() == ["a", "bc"]
    assert not du.is_host_text(np.ones(2))


@pytest.mark.parametrize("value, error, match", [
    (np.float32(1.0), ValueError, "must have a batch axis"),
    (np.array(["x"], dtype=object).reshape(()), ValueError, "must have a batch axis"),
    (np.array([1 + 2j]), TypeError, "must be numeric; received an array of dtype complex128"),
])
def test_device_array_errors(value, error, match):
    with pytest.raises(error, match=match):
        du.device_array(value, BK)


def test_length_is_common_to_every_array():
    assert du.length({"a": np.ones((4, 2)), "b": [np.ones(4)]}, "x") == 4
    with pytest.raises(ValueError, match=r"same number of samples; received lengths \[3, 4\]"):
        du.length([np.ones(4), np.ones(3)], "x")


def test_class_weight_from_sparse_and_one_hot_labels():
    sparse = np.array([0, 2, 1, 2])
    want = np.array([5.0, 0.5, 1.0, 0.5], np.float32)
    np.testing.assert_array_equal(du.class_weight_to_sample_weight(sparse, {0: 5, 2: 0.5}, BK),
                                  want)
    one_hot = np.eye(3)[sparse]
    np.testing.assert_array_equal(du.class_weight_to_sample_weight(one_hot, {0: 5, 2: 0.5},
                                                                   BK), want)
    with pytest.raises(TypeError, match="must be a dict"):
        du.class_weight_to_sample_weight(sparse, [1.0], BK)
    with pytest.raises(ValueError, match="single output"):
        du.class_weight_to_sample_weight([sparse, sparse], {0: 1.0}, BK)


def test_pack_and_unpack_follow_keras():
    x, y, sw = np.ones(2), np.zeros(2), np.full(2, 0.5)
    assert du.unpack_x_y_sample_weight(x) == (x, None, None)
    assert du.unpack_x_y_sample_weight((x,)) == (x, None, None)
    assert du.unpack_x_y_sample_weight((x, y)) == (x, y, None)
    assert du.unpack_x_y_sample_weight((x, y, sw)) == (x, y, sw)
    with pytest.raises(ValueError, match="received a tuple of 4 items"):
        du.unpack_x_y_sample_weight((x, y, sw, sw))
    assert du.pack_x_y_sample_weight(x) is x
    assert du.pack_x_y_sample_weight([x, x]) == ([x, x],)
    assert du.pack_x_y_sample_weight(x, y) == (x, y)
    assert du.pack_x_y_sample_weight(x, y, sw) == (x, y, sw)
    assert du.is_array_like({"a": x}) and not du.is_array_like(iter([x]))
