"""Sequential, functional and subclassed models: building, shapes, parameter counts, summary."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.layers import Dense
from cuflow.models import Model

from ._builders import article_model


def test_unique_default_names():
    a, b = Dense(2), Dense(2)
    assert a.name != b.name and a.name.startswith("dense") and b.name.startswith("dense")


def test_subclassed_model_trains():
    class TwoLayer(Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(8, activation="relu")
            self.out = Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    cf.utils.set_random_seed(0)
    model = TwoLayer()
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model.compile(optimizer=cf.optimizers.Adam(0.02), loss="mse")
    h = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert len(model.trainable_weights) == 4
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]


def test_get_layer_errors():
    model = article_model()
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    assert model.get_layer(index=0) is model.layers[0]


def test_trainable_flag_freezes_weights():
    model = article_model()
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    before = model.layers[0].get_weights()
    x = np.random.rand(8, 100).astype("float32")
    y = np.eye(10, dtype="float32")[np.arange(8) % 10]
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
