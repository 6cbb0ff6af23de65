"""ArrayData: in-memory arrays uploaded once and cut into batches on the device, shuffled by a
seeded permutation, split for validation, with errors naming the mismatch."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.trainers.data_adapters import ArrayData, make_data

X = np.arange(20, dtype=np.float64).reshape(10, 2)
Y = np.arange(10, dtype=np.int64)


def _rows(batches):
    return [(xb.numpy(), yb.numpy(), None if swb is None else swb.numpy())
            for xb, yb, swb in batches]


def test_batches_in_order_with_a_partial_last_one_as_float32():
    data = ArrayData(X, Y, batch_size=4)
    assert (len(data), data.n) == (3, 10)
    got = _rows(data.batches())
    assert [x.shape for x, _, _ in got] == [(4, 2), (4, 2), (2, 2)]
    assert all(x.dtype == np.float32 for x, _, _ in got)  # float64 uploads as float32
    np.testing.assert_array_equal(np.concatenate([x for x, _, _ in got]), X.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate([y for _, y, _ in got]), Y)


def test_steps_cap_the_batches():
    assert len(ArrayData(X, Y, batch_size=4, steps=2)) == 2
    assert len(list(ArrayData(X, Y, batch_size=4, steps=2).batches())) == 2


def test_shuffle_is_a_seeded_permutation_of_the_rows_kept_together():
    cf.utils.set_random_seed(3)
    a = _rows(ArrayData(X, Y, batch_size=3, shuffle=True).batches())
    cf.utils.set_random_seed(3)
    b = _rows(ArrayData(X, Y, batch_size=3, shuffle=True).batches())
    xs, ys = np.concatenate([x for x, _, _ in a]), np.concatenate([y for _, y, _ in a])
    assert sorted(ys.tolist()) == list(range(10)) and ys.tolist() != list(range(10))
    np.testing.assert_array_equal(xs, X[ys].astype(np.float32))  # x and y rows stay paired
    np.testing.assert_array_equal(ys, np.concatenate([y for _, y, _ in b]))


def test_nested_inputs_sample_and_class_weights():
    sw = np.linspace(0, 1, 10)
    data = ArrayData({"a": X, "b": [X[:, :1], X[:, 1:]]}, Y, sample_weight=sw, batch_size=5,
                     class_weight={0: 3.0, 9: 2.0})
    xb, yb, swb = next(iter(data.batches()))
    assert sorted(xb) == ["a", "b"] and xb["b"][1].shape == (5, 1)
    want = sw.astype(np.float32)[:5] * np.array([3, 1, 1, 1, 1], np.float32)
    np.testing.assert_allclose(swb.numpy(), want)
    np.testing.assert_array_equal(data.first_x()["a"], X[:1].astype(np.float32))


def test_split_takes_the_last_fraction_before_shuffling():
    train, val = ArrayData(X, Y, batch_size=4, shuffle=True).split(0.2)
    assert (train.n, val.n, len(train), len(val)) == (8, 2, 2, 1)
    np.testing.assert_array_equal(val.y, Y[8:])
    with pytest.raises(ValueError, match=r"must be in \(0, 1\)"):
        ArrayData(X, Y).split(1.0)
    with pytest.raises(ValueError, match="leaves no samples"):
        ArrayData(X[:2], Y[:2]).split(0.9)


@pytest.mark.parametrize("kwargs, match", [
    ({"y": Y[:9]}, "x and y must have the same number of samples; received x with 10"),
    ({"y": Y, "sample_weight": np.ones(3)}, r"one entry per sample \(10\); received 3"),
    ({"y": None, "class_weight": {0: 1.0}}, "class_weight needs targets"),
    ({"y": Y, "batch_size": 0}, "batch_size must be a positive int; received 0"),
])
def test_errors_name_what_was_received(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ArrayData(X, **kwargs)


def test_make_data_picks_arrays_or_generators_and_refuses_y_with_a_generator():
    assert isinstance(make_data(X, Y), ArrayData)
    with pytest.raises(ValueError, match="x is None"):
        make_data(None)
    with pytest.raises(ValueError, match="y must not be given"):
        make_data(iter([(X, Y)]), Y, steps=1)
