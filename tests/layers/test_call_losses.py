"""The losses of a call, as Keras 3: reset at each top-level call (not accumulated), nested
layers' losses collected, activity losses divided by the batch size, any layer taking
``activity_regularizer=``, and the loss fit / evaluate report including them."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

X = np.random.default_rng(4).normal(size=(4, 3)).astype("float32")


class AddsSum(layers.Layer):
    """Adds ``scale * sum(x)`` as a loss on every call."""

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        self.add_loss(self.scale * cf.ops.sum(x))
        return x


def _functional():
    inp = layers.Input((3,))
    h = layers.Dense(2, kernel_initializer="ones", activity_regularizer=cf.regularizers.L2(0.1))(
        inp)
    return cf.models.Model(inp, AddsSum(0.5)(h))


def _reference(x):
    """float64: the Dense output (ones kernel, zero bias), its activity loss, add_loss's."""
    h = np.asarray(x, np.float64).sum(axis=1, keepdims=True) * np.ones((1, 2))
    return h, 0.1 * (h ** 2).sum() / len(x), 0.5 * h.sum()


def test_losses_are_reset_at_each_top_level_call_not_accumulated():
    model = _functional()
    model(X)
    model(X[:2])
    assert len(model.losses) == 2  # one activity loss, one add_loss: the latest call's only
    _, act, added = _reference(X[:2])
    got = sorted(float(v.numpy()) for v in model.losses)
    np.testing.assert_allclose(got, sorted([act, added]), rtol=1e-5)


def test_activity_loss_is_divided_by_the_batch_size():
    dense = layers.Dense(2, kernel_initializer="ones", activity_regularizer="l2")
    for rows in (4, 1):
        dense(X[:rows])
        h = np.asarray(X[:rows], np.float64).sum(axis=1, keepdims=True) * np.ones((1, 2))
        (loss,) = dense.losses
        np.testing.assert_allclose(float(loss.numpy()), 0.01 * (h ** 2).sum() / rows, rtol=1e-5)


def test_any_layer_takes_an_activity_regularizer_as_keras():
    layer = AddsSum(0.0, activity_regularizer=cf.regularizers.L1(0.2))
    layer(X)
    got = sorted(float(v.numpy()) for v in layer.losses)
    np.testing.assert_allclose(got, [0.0, 0.2 * np.abs(X.astype(np.float64)).sum() / 4],
                               rtol=1e-5, atol=1e-7)


def test_fit_and_evaluate_report_the_loss_with_the_added_losses():
    model = _functional()
    model.compile(optimizer=cf.optimizers.SGD(0.0), loss="mse")
    y = np.zeros((4, 2), "float32")
    h, act, added = _reference(X)
    want = np.mean(h ** 2) + act + added
    np.testing.assert_allclose(model.evaluate(X, y, batch_size=4, verbose=0), want, rtol=1e-5)
    hist = model.fit(X, y, batch_size=4, epochs=2, verbose=0)  # lr 0: the weights stay
    np.testing.assert_allclose(hist.history["loss"], [want, want], rtol=1e-5)


@pytest.mark.parametrize("rows", [1, 3])
def test_nested_layer_losses_are_collected_once_per_call(rows):
    outer = cf.models.Sequential([layers.Input((3,)), AddsSum(1.0), AddsSum(2.0)])
    for _ in range(3):
        outer(X[:rows])
    total = float(np.asarray(X[:rows], np.float64).sum())
    np.testing.assert_allclose(sorted(float(v.numpy()) for v in outer.losses),
                               sorted([total, 2 * total]), rtol=1e-5)
