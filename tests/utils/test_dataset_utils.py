"""cuflow.utils.dataset_utils: split_dataset on arrays and on batched datasets."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import utils


def _all(ds):
    xs, ys = zip(*list(ds))
    return np.concatenate(xs), np.concatenate(ys)


def test_split_dataset_arrays():
    x = np.arange(10)
    left, right = utils.split_dataset(x, left_size=0.8)
    assert len(left) == 8 and len(right) == 2
    np.testing.assert_array_equal(np.array(list(left)), x[:8])
    np.testing.assert_array_equal(np.array(list(right)), x[8:])
    data = (np.arange(10), np.arange(10) * 2)
    left, right = utils.split_dataset(list(data), right_size=3, shuffle=True, seed=5)
    import random

    order = list(range(10))
    random.Random(5).shuffle(order)  # Keras: random.seed(seed); random.shuffle(samples)
    lx, ly = left.batch(7)[0]
    np.testing.assert_array_equal(lx, order[:7])
    np.testing.assert_array_equal(ly, np.array(order[:7]) * 2)
    rx, _ = right.batch(10)[0]
    np.testing.assert_array_equal(rx, order[7:])
    with pytest.raises(ValueError, match="At least one of the `left_size` or `right_size`"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="`left_size` should be either a positive integer"):
        utils.split_dataset(x, left_size=10)
    with pytest.raises(ValueError, match="sum of `left_size` and `right_size` is greater than 1"):
        utils.split_dataset(x, left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        utils.split_dataset(x, left_size="half")
    with pytest.raises(TypeError, match="The `dataset` argument must be"):
        utils.split_dataset(5, left_size=1)


def test_split_batched_dataset_keeps_batch_size_and_dataset_methods():
    ds = utils.ArrayDataset((np.arange(12.0)[:, None], np.arange(12)), batch_size=4)
    left, right = utils.split_dataset(ds, left_size=9)
    assert left.batch_size == 4 and len(left) == 3 and len(right) == 1
    assert [len(b[1]) for b in left] == [4, 4, 1]
    assert len(ds.take(2)) == 2 and len(ds.skip(1)) == 2 and len(ds.take(-1)) == 3
    assert len(ds.unbatch()) == 12 and ds.unbatch()[5][1] == 5
    shuffled = ds.shuffle(10, seed=0)
    assert sorted(int(b[1][0]) for b in shuffled) == [0, 4, 8]
    assert ds.cardinality() == 3 and ds.cache() is ds


def test_array_dataset_batches_slices_and_methods():
    x, y = np.arange(10).reshape(5, 2), np.arange(5) * 10
    ds = utils.ArrayDataset((x, y), batch_size=2)
    assert len(ds) == ds.cardinality() == 3  # the last batch holds the remainder
    xb, yb = ds[-1]
    np.testing.assert_array_equal(xb, [[8, 9]])
    np.testing.assert_array_equal(yb, [40])
    assert len(utils.ArrayDataset((x, y), batch_size=2, drop_remainder=True)) == 2
    single = ds.unbatch()
    assert len(single) == 5 and single[1][1] == 10 and single[1][0].shape == (2,)
    doubled = single.map(lambda a, b: (a * 2, b)).skip(1).take(2)
    assert [int(b) for _, b in doubled] == [10, 20]
    np.testing.assert_array_equal(doubled[0][0], [4, 6])
    rebatched = single.batch(4)
    assert [len(b) for _, b in rebatched] == [4, 1]
    # dicts keep their keys; from_tensor_slices is the tf.data spelling
    named = utils.ArrayDataset.from_tensor_slices({"a": np.ones(3), "b": np.zeros(3)})
    assert set(named[0]) == {"a", "b"}


def test_shuffled_datasets_are_seeded_permutations_per_epoch():
    first = [int(v) for v in utils.ArrayDataset(np.arange(8), shuffle=True, seed=3)]
    again = [int(v) for v in utils.ArrayDataset(np.arange(8), shuffle=True, seed=3)]
    assert first == again == list(range(8))  # the first pass keeps the order
    ds = utils.ArrayDataset(np.arange(8), shuffle=True, seed=3)
    list(ds)  # a full pass ends an epoch: the next one is reshuffled
    second = [int(v) for v in ds]
    assert sorted(second) == list(range(8)) and second != first
    other = utils.ArrayDataset(np.arange(8), shuffle=True, seed=4)
    list(other)
    assert [int(v) for v in other] != second


def test_array_dataset_errors():
    with pytest.raises(ValueError, match="same first dimension"):
        utils.ArrayDataset((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="batch_size must be a positive int or None"):
        utils.ArrayDataset(np.zeros(3), batch_size=0)
    ds = utils.ArrayDataset(np.zeros(3))
    with pytest.raises(IndexError, match="index 3 out of range for a dataset of 3 elements"):
        ds[3]
    with pytest.raises(TypeError, match="dataset indices must be ints"):
        ds["0"]
    with pytest.raises(NotImplementedError, match="do not repeat"):
        ds.repeat()
