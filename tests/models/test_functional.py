"""Functional models: multi-input / multi-output graphs, shared and nested models, extra
tensor arguments, the graph config."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers
from cuflow.layers import Dense, Input
from cuflow.models import Functional, Model


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


def test_config_round_trip_rebuilds_the_same_graph():
    a, b = Input(shape=(4,), name="a"), Input(shape=(4,), name="b")
    shared = Dense(3, name="shared")
    merged = layers.Concatenate(name="cat")([shared(a), shared(b)])
    model = Model([a, b], Dense(2, name="out")(merged), name="two_in")
    config = model.get_config()
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["out", 0, 0]]
    shared_entry = next(e for e in config["layers"] if e["name"] == "shared")
    assert len(shared_entry["inbound_nodes"]) == 2  # called twice inside this model
    again = Model.from_config(config)
    assert again.name == "two_in" and [la.name for la in again.layers] == \
        [la.name for la in model.layers]
    again.set_weights(model.get_weights())
    xa, xb = np.ones((2, 4), "float32"), np.full((2, 4), 2.0, "float32")
    np.testing.assert_allclose(again.predict([xa, xb], verbose=0),
                               model.predict([xa, xb], verbose=0), rtol=1e-6)


def test_broken_configs_are_refused_by_name():
    x = Input(shape=(2,), name="x")
    config = Model(x, Dense(1, name="d")(x)).get_config()
    dup = dict(config, layers=config["layers"] + [config["layers"][-1]])
    with pytest.raises(ValueError, match="layer names must be unique"):
        Model.from_config(dup)
    orphan = dict(config, output_layers=[["ghost", 0, 0]])
    with pytest.raises(ValueError, match="never produced"):
        Model.from_config(orphan)
    with pytest.raises(ValueError, match="needs a 'layers' list"):
        Functional.from_config({"input_layers": [], "output_layers": []})
    with pytest.raises(ValueError, match="needs both inputs and outputs"):
        Model(x, None)
    with pytest.raises(TypeError, match="must be symbolic tensors"):
        Model(np.ones((1, 2)), Dense(1)(x))


def _names(model):
    return [layer.name for layer in model.layers]


def test_layers_are_ordered_as_keras_by_depth_then_first_visit():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    h = Dense(3, name="d2")(Dense(3, name="d1")(a))
    out = layers.Concatenate(name="cat")([h, b])
    # Keras 3: deepest first; "b" is one call from the output, so it comes after d1
    assert _names(Model([a, b], out)) == ["a", "d1", "d2", "b", "cat"]
    assert _names(Model([b, a], out)) == ["a", "d1", "d2", "b", "cat"]
    x = Input((4,), name="x")
    shared = Dense(4, name="shared")
    y = shared(shared(x))
    assert _names(Model(x, [layers.Add(name="add")([y, x]), y])) == ["x", "shared", "add"]
    # an input that no output uses has depth 0: first among the layers of depth 0
    unused = Input((2,), name="unused")
    assert _names(Model([x, unused], y)) == ["x", "shared", "unused"]


class _Built(Model):
    """A subclass making its graph in __init__ and calling super().__init__(inputs, outputs)."""

    def __init__(self, units=3, **kwargs):
        inp = Input((4,))
        super().__init__(inputs=inp, outputs=Dense(units, name="head")(inp), **kwargs)
        self.units = units

    def twice(self, x):
        return 2 * self(x)


class _ArgsKwargs(Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def marker(self):
        return "kept"


def test_a_subclass_calling_super_init_with_inputs_and_outputs_is_functional():
    model = _Built(units=2, name="built")
    assert isinstance(model, _Built) and isinstance(model, Functional)
    assert model.name == "built" and _names(model)[-1] == "head" and model.units == 2
    x = np.ones((5, 4), "float32")
    np.testing.assert_allclose(model.twice(x), 2 * model.predict(x, verbose=0), rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((5, 2), "float32"), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 1


def test_from_config_revives_a_subclass_taking_args_and_kwargs_as_functional():
    inp = Input((4,))
    model = _ArgsKwargs(inp, Dense(2)(inp), name="ak")
    again = _ArgsKwargs.from_config(model.get_config())
    assert type(again) is type(model) and again.marker() == "kept" and again.name == "ak"
    assert type(Model.from_config(model.get_config())) is Functional
    again.set_weights(model.get_weights())
    x = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(TypeError, match="Unable to revive model from config"):
        _Built.from_config({"units": 2, "unknown": 1})


class _Param(Model):
    def __init__(self, *args, param=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.param = param

    def get_config(self):
        return {**super().get_config(), "param": self.param}


def test_from_config_passes_a_subclass_its_own_config_keys():
    inp = Input((3,))
    model = _Param(inputs=inp, outputs=Dense(2)(inp), param=3)
    again = _Param.from_config(model.get_config())
    assert type(again) is type(model) and again.param == 3
    with pytest.raises(AttributeError, match="`Model.layers` attribute is reserved"):
        model.layers = []


def test_a_list_given_to_a_dict_input_model_warns_as_keras():
    import warnings

    i1, i2 = Input((2,), name="i1"), Input((2,), name="i2")
    out = layers.Add()([i1, i2])
    x = [np.ones((2, 2), "float32"), np.zeros((2, 2), "float32")]
    with pytest.warns(UserWarning, match="structure of `inputs` doesn't match"):
        got = Model({"i1": i1, "i2": i2}, out).predict(x, verbose=0)
    np.testing.assert_array_equal(got, np.ones((2, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a tuple for a list of inputs: no warning
        Model([i1, i2], out).predict(tuple(x), verbose=0)
