"""Model: construction (functional or subclassed), layers by name or index, training a subclass,
frozen weights, moving between devices, building from a shape, the saving seam."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.layers import Dense, Input
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


def test_model_construction_and_its_errors():
    x = Input(shape=(2,))
    assert type(Model(x, Dense(1)(x))).__name__ == "Functional"
    with pytest.raises(TypeError, match="unexpected arguments"):
        Model(units=3)
    assert Model(name="plain").name == "plain"
    model = article_model()
    with pytest.raises(ValueError, match="index 5 is out of range for a model with 3 layers"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="give name or index, not both"):
        model.get_layer("a", 0)


def test_a_subclass_built_from_inputs_and_outputs_keeps_its_train_step():
    calls = []

    class Custom(Model):
        def train_step(self, data):
            calls.append(1)
            return super().train_step(data)

    x = Input(shape=(2,))
    model = Custom(x, Dense(1)(x))
    assert isinstance(model, Custom) and model.input_names == [model.layers[0].name]
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"), batch_size=2, verbose=0)
    assert len(calls) == 2


def test_to_moves_weights_and_optimizer_state_and_keeps_training():
    model = article_model()
    model.compile("adam", "categorical_crossentropy")
    x = np.random.default_rng(0).random((4, 100)).astype("float32")
    y = np.eye(10, dtype="float32")[:4]
    model.fit(x, y, verbose=0)
    before = model.get_weights()
    assert model.to("cpu") is model and model.device == "cpu"
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 2


def test_build_from_a_shape_and_save_load_through_the_saving_seam(tmp_path):
    class Tiny(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = Dense(2)

        def call(self, x):
            return self.d(x)

    model = Tiny()
    model.build((None, 3))
    assert model.built and model._input_batch_shapes == [(None, 3)]
    model.save_weights(tmp_path / "t.weights.npz")
    other = Tiny()
    other.build((None, 3))
    other.load_weights(tmp_path / "t.weights.npz")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


class _Wraps(Model):
    """A subclassed model wrapping one layer (Keras's run_layer_test training step)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def call(self, x, training=False):
        return self.layer(x, training=training)


@pytest.mark.parametrize("kind", [tuple, list])
def test_a_subclass_wrapping_a_multi_input_layer_builds_and_fits(kind):
    a = np.arange(6, dtype="float32").reshape(2, 3)
    x = kind([a, 2 * a])
    model = _Wraps(cf.layers.Add())
    model.build(kind([(None, 3), (None, 3)]))
    assert model.built and model._input_batch_shapes == [(None, 3), (None, 3)]

    def batches():
        while True:
            yield x, np.zeros((2, 6), "float32")

    model = _Wraps(cf.layers.Concatenate())
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="trainable weights"):
        hist = model.fit(batches(), steps_per_epoch=1, verbose=0)
    want = np.mean(np.concatenate([a, 2 * a], axis=1).astype(np.float64) ** 2)
    np.testing.assert_allclose(hist.history["loss"], [want], rtol=1e-6)


def test_build_names_a_value_that_is_not_a_shape():
    with pytest.raises(ValueError, match=r"input_shape='3x4'"):
        _Wraps(cf.layers.Add()).build("3x4")
    model = _Wraps(cf.layers.Dense(2))
    model.build([(None, 3)])  # a one-element list: that one input
    assert [tuple(w.shape) for w in model.weights] == [(3, 2), (2,)]
