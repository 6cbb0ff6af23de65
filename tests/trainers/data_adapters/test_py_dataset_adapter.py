"""PyDataset / Sequence subclasses driving fit / evaluate / predict, as Keras 3."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils


class Batches(utils.PyDataset):
    def __init__(self, x, y, batch_size=4, weights=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.w, self.batch_size = x, y, weights, batch_size
        self.epochs_ended = self.epochs_begun = 0
        self.seen = []

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        self.seen.append(idx)
        sl = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        if self.w is not None:
            return self.x[sl], self.y[sl], self.w[sl]
        return self.x[sl], self.y[sl]

    def on_epoch_begin(self):
        self.epochs_begun += 1

    def on_epoch_end(self):
        self.epochs_ended += 1


def _model():
    model = tf.Sequential([tf.layers.Input((3,)), tf.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _data(n=10):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


def test_fit_calls_epoch_hooks_and_shuffles_batch_order():
    x, y = _data()
    ds = Batches(x, y)
    assert ds.num_batches == 3 and ds.workers == 1 and ds.max_queue_size == 10
    hist = _model().fit(ds, epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 3
    assert ds.epochs_ended == 3 and ds.epochs_begun == 3
    assert ds.seen.count(1) == ds.seen.count(2) == 3  # (+ maybe one peek at batch 0 to build)
    ds.seen.clear()
    tf.utils.set_random_seed(0)
    orders = set()
    for _ in range(6):
        _model().fit(ds, epochs=1, verbose=0, shuffle=True)
        orders.add(tuple(ds.seen[-3:]))
    assert len(orders) > 1  # fit(shuffle=True) visits batches in random orders, as Keras 3
    ds.seen.clear()
    _model().fit(ds, epochs=1, verbose=0, shuffle=False)
    assert ds.seen[-3:] == [0, 1, 2]


def test_sample_weights_evaluate_predict_and_sequence_alias():
    x, y = _data(8)
    model = _model()
    zero_w = Batches(x, y, weights=np.zeros(8, "float32"))
    before = model.get_weights()
    model.fit(zero_w, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):  # all-zero weights: no gradient
        np.testing.assert_allclose(a, b)
    loss = model.evaluate(Batches(x, y), verbose=0)
    np.testing.assert_allclose(loss, model.evaluate(x, y, verbose=0), rtol=1e-5)
    preds = model.predict(Batches(x, y), verbose=0)
    np.testing.assert_allclose(preds, model.predict(x, verbose=0), rtol=1e-5)
    assert utils.Sequence is utils.PyDataset
    assert tf.keras.utils.Sequence is utils.PyDataset


def test_class_weight_with_pydataset():
    x, _ = _data(8)
    y = np.array([0, 1] * 4, dtype="float32")[:, None]
    model = _model()
    model.fit(Batches(x, y), epochs=1, verbose=0, class_weight={0: 1.0, 1: 2.0})
    with pytest.raises(ValueError, match="class_weight` and `sample_weight` at the same time"):
        model.fit(Batches(x, y, weights=np.ones(8)), epochs=1, verbose=0,
                  class_weight={0: 1.0})


def test_infinite_dataset_needs_steps_and_threads_keep_order():
    class Endless(utils.PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = []

        @property
        def num_batches(self):
            return None

        def __getitem__(self, idx):
            self.seen.append(idx)
            return np.full((2, 3), idx, "float32"), np.zeros((2, 1), "float32")

    model = _model()
    with pytest.raises(ValueError, match="infinite.*steps_per_epoch"):
        model.fit(Endless(), epochs=1, verbose=0)
    ds = Endless()
    model.fit(ds, epochs=2, steps_per_epoch=3, verbose=0)
    assert ds.seen[-6:] == [0, 1, 2, 3, 4, 5]  # keeps counting (a first peek may build)
    x, y = _data(40)
    threaded = Batches(x, y, batch_size=3, workers=3, max_queue_size=2)
    out = model.predict(threaded, verbose=0)
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-5)


def test_iteration_and_missing_super_init_warning():
    x, y = _data(6)
    ds = Batches(x, y, batch_size=4)
    assert [len(b[0]) for b in ds] == [4, 2]  # stops at num_batches

    class NoSuper(utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.zeros((1, 3), "float32"), np.zeros((1, 1), "float32")

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        _model().fit(NoSuper(), epochs=1, verbose=0)
    with pytest.raises(NotImplementedError, match="must implement __getitem__"):
        utils.PyDataset()[0]
