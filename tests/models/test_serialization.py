"""Layer and model entries of a model config: registered names, refusals that name the fix,
nested models as graphs, classes found by name only."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers, saving
from cuflow.models import Functional, Model, Sequential, serialization


class Unregistered(layers.Layer):
    def call(self, x):
        return x


@saving.register_serializable(package="TestSerialization")
class Doubler(layers.Layer):
    def call(self, x):
        return x * 2.0


def test_entries_name_the_class_and_a_registered_name():
    assert serialization.class_entry(layers.Dense(2)) == {"class_name": "Dense"}
    assert serialization.class_entry(Doubler()) == {
        "class_name": "Doubler", "registered_name": "TestSerialization>Doubler"}


def test_layer_entry_round_trip():
    dense = layers.Dense(3, activation="relu", name="d")
    entry = serialization.serialize_layer(dense)
    assert entry["class_name"] == "Dense" and entry["config"]["units"] == 3
    again = serialization.deserialize_layer(entry)
    assert type(again) is layers.Dense and again.get_config() == dense.get_config()
    back = serialization.deserialize_layer(serialization.serialize_layer(Doubler(name="x2")))
    assert type(back) is Doubler and back.name == "x2"


def test_unregistered_layers_save_and_load_by_custom_objects():
    entry = serialization.serialize_layer(Unregistered(name="u"))  # any layer saves (Keras)
    assert entry["class_name"] == "Unregistered" and entry["config"]["name"] == "u"
    with pytest.raises(ValueError, match="unknown layer class 'Unregistered'"):
        serialization.deserialize_layer({"class_name": "Unregistered", "config": {}})
    found = serialization.deserialize_layer({"class_name": "Unregistered", "config": {}},
                                            {"Unregistered": Unregistered})
    assert type(found) is Unregistered
    with pytest.raises(ValueError, match=r"unknown layer class\(es\) \['Nope', 'Lambda'\]"):
        serialization.check_layer_classes([{"class_name": "Dense"}, {"class_name": "Nope"},
                                           {"class_name": "Lambda"}])


def test_nested_models_are_entries_holding_their_graph():
    inner = Sequential([layers.Input((3,)), layers.Dense(2, name="inner_d")], name="inner")
    entry = serialization.serialize_layer(inner)
    assert entry["class_name"] == "Sequential"
    assert [e["class_name"] for e in entry["config"]["layers"]] == ["InputLayer", "Dense"]
    rebuilt = serialization.deserialize_layer(entry)
    assert type(rebuilt) is Sequential and rebuilt.get_layer("inner_d").units == 2
    x = layers.Input((3,))
    outer = Model(x, layers.Dense(1)(x))
    assert serialization.model_to_config(outer)["class_name"] == "Functional"
    assert type(serialization.model_from_config(serialization.model_to_config(outer))) \
        is Functional


def test_subclassed_models_save_by_class_name_and_need_it_to_load():
    class Sub(Model):
        def call(self, x):
            return x

    assert serialization.model_to_config(Sub(name="s")) == {
        "class_name": "Sub", "config": {"name": "s", "trainable": True}}
    assert type(serialization.model_from_config(
        {"class_name": "Sub", "config": {"name": "s"}}, {"Sub": Sub})) is Sub

    class Holds(Model):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(NotImplementedError, match="cannot save the subclassed model 'Holds'"):
        serialization.model_to_config(Holds(layers.Dense(2)))
    with pytest.raises(ValueError, match="unknown model class 'Sub'"):
        serialization.model_from_config({"class_name": "Sub", "config": {}})
    with pytest.raises(ValueError, match="must be an object"):
        serialization.model_from_config({"class_name": "Sequential", "config": []})


def test_a_registered_subclassed_model_is_rebuilt_and_built():
    @saving.register_serializable(package="TestSerialization")
    class Scaled(Model):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x) * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = Scaled(factor=3.0)
    model(np.ones((1, 4), "float32"))
    entry = serialization.model_to_config(model)
    assert entry["registered_name"] == "TestSerialization>Scaled"
    assert entry["build_input_shape"] == [None, 4]
    again = serialization.model_from_config(entry)
    assert type(again) is Scaled and again.factor == 3.0 and again.built
    assert [w.shape for w in again.weights] == [w.shape for w in model.weights]


def test_to_json_and_model_from_json_round_trip_sequential_and_functional():
    import json

    from cuflow import models

    a, b = layers.Input((3,), name="a"), layers.Input((3,), name="b")
    functional = Model([a, b], layers.Add()([layers.Dense(2)(a), layers.Dense(2)(b)]))
    sequential = Sequential([layers.Input((3,)), layers.Dense(2, activation="relu")])
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    for model, inputs in ((sequential, x), (functional, [x, 2 * x])):
        text = model.to_json(indent=1)
        assert "\n" in text  # json.dumps keyword arguments reach json.dumps
        again = models.model_from_json(text)
        assert type(again) is type(model) and not again.compiled
        assert [la.name for la in again.layers] == [la.name for la in model.layers]
        again.set_weights(model.get_weights())
        np.testing.assert_allclose(again.predict(inputs, verbose=0),
                                   model.predict(inputs, verbose=0), rtol=1e-6)
        same = models.model_from_config(json.loads(text))
        assert [la.name for la in same.layers] == [la.name for la in model.layers]


def test_model_from_json_reads_a_tf_keras_2_string_and_finds_custom_classes():
    import json

    from cuflow import models

    tf_keras = {"class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
                "config": {"name": "s", "layers": [
                    {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                                       "batch_input_shape": [None, 3]}},
                    {"class_name": "Unregistered", "config": {"name": "u"}}]}}
    with pytest.raises(ValueError, match="Unregistered"):
        models.model_from_json(json.dumps(tf_keras))
    model = models.model_from_json(json.dumps(tf_keras),
                                   custom_objects={"Unregistered": Unregistered})
    assert [type(la).__name__ for la in model.layers] == ["Dense", "Unregistered"]
    assert model.layers[0].kernel.shape == (3, 2)
    with pytest.raises(ValueError, match="class_name"):
        models.model_from_config({"layers": []})
