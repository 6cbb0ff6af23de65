"""Sequential, functional and subclassed models: building, shapes, parameter counts, summary."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.layers import Dense, Input
from cuflow.models import Model, Sequential


def article_model():
    model = Sequential()
    model.add(Dense(64, input_dim=100, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model


def test_article_model_parameter_counts_match_keras():
    model = article_model()
    # Keras: 100*64+64, 64*32+32, 32*10+10
    assert [layer.count_params() for layer in model.layers] == [6464, 2080, 330]
    assert model.count_params() == 8874
    assert model.output_shape == (None, 10) if hasattr(model, "output_shape") else True
    assert model.output.shape == (None, 10)


def test_summary_table_like_keras(capsys):
    model = article_model()
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith(f'Model: "{model.name}"')
    for needle in ["Layer (type)", "Output Shape", "Param #", "(Dense)", "(None, 64)",
                   "6,464", "2,080", "330", "Total params: 8,874 (34.66 KB)",
                   "Trainable params: 8,874 (34.66 KB)", "Non-trainable params: 0 (0.00 B)"]:
        assert needle in out, needle


def test_unique_default_names():
    a, b = Dense(2), Dense(2)
    assert a.name != b.name and a.name.startswith("dense") and b.name.startswith("dense")


def test_deferred_sequential_builds_on_first_call():
    model = Sequential([Dense(4, activation="relu"), Dense(2)])
    assert not model.built
    out = model(np.ones((3, 5), dtype="float32"))
    assert out.shape == (3, 2) and model.built
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_sequential_pop_and_duplicate_names():
    model = Sequential([Input(shape=(3,)), Dense(4, name="a"), Dense(2, name="b")])
    assert [layer.name for layer in model.layers] == ["a", "b"]
    model.pop()
    assert model.output.shape == (None, 4)
    with pytest.raises(ValueError, match="unique names"):
        model.add(Dense(1, name="a"))


def test_functional_multi_input_output_shared_layer():
    a = Input(shape=(4,), name="a")
    b = Input(shape=(4,), name="b")
    shared = Dense(3, name="shared")
    merged = layers.Concatenate(name="cat")([shared(a), shared(b)])
    out1 = Dense(2, name="out1")(merged)
    out2 = Dense(1, activation="sigmoid", name="out2")(merged)
    model = Model(inputs=[a, b], outputs=[out1, out2])
    assert [layer.name for layer in model.layers] == ["a", "b", "shared", "cat", "out1", "out2"]
    assert model.count_params() == (4 * 3 + 3) + (6 * 2 + 2) + (6 + 1)
    xa = np.random.rand(5, 4).astype("float32")
    xb = np.random.rand(5, 4).astype("float32")
    y1, y2 = model([xa, xb])
    assert y1.shape == (5, 2) and y2.shape == (5, 1)
    # the shared layer is one set of weights applied twice
    k = shared.kernel.numpy()
    h = np.concatenate([xa @ k + shared.bias.numpy(), xb @ k + shared.bias.numpy()], axis=1)
    np.testing.assert_allclose(y1.numpy(), h @ model.get_layer("out1").kernel.numpy()
                               + model.get_layer("out1").bias.numpy(), rtol=1e-5, atol=1e-6)
    preds = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(preds[0], y1.numpy(), rtol=1e-6)


def test_functional_model_as_layer_and_nested():
    inp = Input(shape=(3,))
    inner = Model(inp, Dense(2)(inp))
    x = Input(shape=(3,))
    outer = Model(x, Dense(1)(inner(x)))
    assert outer.count_params() == (3 * 2 + 2) + (2 + 1)
    assert outer.predict(np.ones((2, 3)), verbose=0).shape == (2, 1)


def test_disconnected_graph_is_an_error():
    a, b = Input(shape=(2,)), Input(shape=(2,))
    with pytest.raises(ValueError, match="disconnected"):
        Model(inputs=a, outputs=Dense(1)(b))


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


def test_functional_layer_with_tensor_in_extra_arguments():
    class Blend(layers.Layer):
        def call(self, a, b, weight=None):
            out = a * 0.5 + b * 0.5
            return out if weight is None else out * weight

        def compute_output_shape(self, shape):
            return shape

    a, b, w = Input(shape=(3,)), Input(shape=(3,)), Input(shape=(3,))
    out = Blend()(a, b, weight=w)
    model = Model([a, b, w], out)
    xa, xb, xw = (np.full((2, 3), v, dtype="float32") for v in (1.0, 3.0, 2.0))
    np.testing.assert_allclose(model.predict([xa, xb, xw], verbose=0), np.full((2, 3), 4.0))
