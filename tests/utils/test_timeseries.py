"""cuflow.utils.timeseries: timeseries_dataset_from_array against the Keras documentation,
start / end / shuffle, errors, and training on it."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils


def test_timeseries_doc_example_exact_windows():
    # Keras docs: indices [0 .. 98], sequence_length=10, sampling_rate=2, sequence_stride=3
    data = np.arange(99)
    ds = utils.timeseries_dataset_from_array(data, None, sequence_length=10, sampling_rate=2,
                                             sequence_stride=3, batch_size=8)
    windows = np.concatenate(list(ds))
    np.testing.assert_array_equal(windows[0], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    np.testing.assert_array_equal(windows[1], [3, 5, 7, 9, 11, 13, 15, 17, 19, 21])
    np.testing.assert_array_equal(windows[2], [6, 8, 10, 12, 14, 16, 18, 20, 22, 24])
    np.testing.assert_array_equal(windows[-1], [78, 80, 82, 84, 86, 88, 90, 92, 94, 96])
    assert len(windows) == 27 and len(ds) == 4  # batches of 8, 8, 8, 3
    assert ds[3].shape == (3, 10)


def test_timeseries_doc_example_targets_and_zip():
    X = np.arange(100)
    Y = X * 2
    n = 20
    inputs = utils.timeseries_dataset_from_array(X, None, sequence_length=n, sequence_stride=n)
    targets = utils.timeseries_dataset_from_array(Y, None, sequence_length=n, sequence_stride=n)
    for x, y in zip(inputs, targets):
        np.testing.assert_array_equal(x[0], X[:n])
        np.testing.assert_array_equal(y[1], Y[n:2 * n])
        break
    # forecasting: window i predicts data[i + 10]
    data = np.arange(50, dtype="float32")[:, None]
    ds = utils.timeseries_dataset_from_array(data[:-10], data[10:, 0], sequence_length=10,
                                             batch_size=16)
    x, y = ds[0]
    assert x.shape == (16, 10, 1) and y.shape == (16,)
    np.testing.assert_array_equal(y, x[:, -1, 0] + 1)
    assert sum(len(b[1]) for b in ds) == 31


def test_timeseries_start_end_shuffle_and_unbatched():
    data = np.arange(30)
    ds = utils.timeseries_dataset_from_array(data, data * 10, sequence_length=3, start_index=5,
                                             end_index=15, batch_size=None)
    assert len(ds) == 8
    x, y = ds[0]
    np.testing.assert_array_equal(x, [5, 6, 7])
    assert y == 50
    np.testing.assert_array_equal(ds[7][0], [12, 13, 14])
    a = utils.timeseries_dataset_from_array(data, None, sequence_length=4, shuffle=True, seed=7,
                                            batch_size=5)
    b = utils.timeseries_dataset_from_array(data, None, sequence_length=4, shuffle=True, seed=7,
                                            batch_size=5)
    first = np.concatenate(list(a))
    np.testing.assert_array_equal(first, np.concatenate([b[i] for i in range(len(b))]))
    starts = np.arange(27, dtype="int32")
    np.random.RandomState(7).shuffle(starts)  # Keras's order for this seed
    np.testing.assert_array_equal(first[:, 0], starts)
    second = np.concatenate(list(a))  # reshuffled after a full pass, same windows
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(np.sort(first[:, 0]), np.sort(second[:, 0]))


def test_timeseries_errors():
    data = np.arange(10)
    with pytest.raises(ValueError, match="`start_index` must be 0 or greater"):
        utils.timeseries_dataset_from_array(data, None, 3, start_index=-1)
    with pytest.raises(ValueError, match="`end_index` must be lower than the length"):
        utils.timeseries_dataset_from_array(data, None, 3, end_index=10)
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        utils.timeseries_dataset_from_array(data, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="`sequence_stride` must be lower than the length"):
        utils.timeseries_dataset_from_array(data, None, 3, sequence_stride=10)


def test_timeseries_dataset_trains():
    rng = np.random.default_rng(0)
    series = rng.normal(size=(64, 2)).astype("float32")
    ds = utils.timeseries_dataset_from_array(series[:-4], series[4:, :1], sequence_length=4,
                                             batch_size=16)
    model = tf.Sequential([tf.layers.Input((4, 2)), tf.layers.Flatten(), tf.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(ds, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    assert model.predict(ds, verbose=0).shape == (57, 1)
    assert np.isfinite(model.evaluate(ds, verbose=0))
