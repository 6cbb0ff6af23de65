"""cuflow.datasets.digits: the bundled UCI digits, split exactly, stratified and seeded."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.datasets import (
    digits,
)


def test_digits_shapes_dtypes_ranges():
    (x_tr, y_tr), (x_te, y_te) = digits.load_data()
    assert x_tr.shape == (1438, 8, 8) and x_te.shape == (359, 8, 8)  # round(1797 * 0.2)
    assert y_tr.shape == (1438,) and y_te.shape == (359,)
    for a in (x_tr, y_tr, x_te, y_te):
        assert a.dtype == np.uint8
    assert x_tr.max() == 16 and x_tr.min() == 0
    assert set(np.unique(y_tr)) == set(range(10)) == set(np.unique(y_te))


def test_digits_deterministic_and_seeded():
    a, b = digits.load_data(), digits.load_data()
    for u, v in zip((*a[0], *a[1]), (*b[0], *b[1]), strict=True):
        np.testing.assert_array_equal(u, v)
    other = digits.load_data(seed=1)
    assert not np.array_equal(a[1][1], other[1][1])


@pytest.mark.parametrize("split", [0.0, 0.1, 0.2, 0.5, 1.0])
def test_digits_partition_is_exact_and_stratified(split):
    x_all, y_all = digits._load_all()
    (x_tr, y_tr), (x_te, y_te) = digits.load_data(test_split=split)
    assert len(y_te) == int(np.floor(1797 * split + 0.5))
    assert len(y_tr) + len(y_te) == 1797

    # No overlap and nothing lost: the splits together are a permutation of the set.
    def rows(x, y):  # each sample as bytes (pixels + label), as a sorted multiset
        return sorted(map(bytes, np.concatenate([x.reshape(len(x), -1), y[:, None]], 1)))

    assert rows(np.concatenate([x_tr, x_te]), np.concatenate([y_tr, y_te])) == rows(x_all, y_all)
    # Each class is within one sample of its proportional share.
    expected = np.bincount(y_all, minlength=10) * split
    assert np.all(np.abs(np.bincount(y_te, minlength=10) - expected) < 1)


def test_digits_train_test_disjoint_by_index(monkeypatch):
    # The UCI data holds some repeated images, so tag each sample with its index.
    _, y_all = digits._load_all()
    ids = np.arange(1797).reshape(1797, 1, 1)
    monkeypatch.setattr(digits, "_load_all", lambda: (ids, y_all))
    (i_tr, _), (i_te, y_te) = digits.load_data()
    assert not set(i_tr.ravel()) & set(i_te.ravel())
    assert len(set(i_tr.ravel()) | set(i_te.ravel())) == 1797
    np.testing.assert_array_equal(y_all[i_te.ravel()], y_te)  # labels follow their images


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_digits_rejects_bad_split(bad):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=bad)


def test_digits_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    d = sk.load_digits()
    x, y = digits._load_all()
    np.testing.assert_array_equal(x, d.images)
    np.testing.assert_array_equal(y, d.target)
