"""Sequential: building, deferred builds, pop, parameter counts, config."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers
from cuflow.layers import Dense, Input
from cuflow.models import Model, Sequential

from ._builders import article_model


def test_article_model_parameter_counts_match_keras():
    model = article_model()
    # Keras: 100*64+64, 64*32+32, 32*10+10
    assert [layer.count_params() for layer in model.layers] == [6464, 2080, 330]
    assert model.count_params() == 8874
    assert model.output_shape == (None, 10) if hasattr(model, "output_shape") else True
    assert model.output.shape == (None, 10)


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


def test_config_round_trip_and_the_file_form():
    from cuflow.models.sequential import sequential_config

    model = Sequential([Input(shape=(3,), name="feat"), Dense(4, activation="relu", name="h"),
                        Dense(1, name="o")], name="seq")
    config = model.get_config()
    assert [e["class_name"] for e in config["layers"]] == ["Dense", "Dense"]
    assert config["build_input_shape"] == [None, 3]
    again = Sequential.from_config(config)
    assert again.name == "seq" and again.built and again.output.shape == (None, 1)
    # the file form lists the InputLayer first, as Keras 3, so the input keeps its name
    file_config = sequential_config(model)
    assert [e["class_name"] for e in file_config["layers"]] == ["InputLayer", "Dense", "Dense"]
    assert Sequential.from_config(file_config).input_names == ["feat"]
    with pytest.raises(ValueError, match="needs a 'layers' list"):
        Sequential.from_config({"name": "x"})


def test_sequential_add_and_build_errors():
    model = Sequential()
    with pytest.raises(TypeError, match="expects a Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="needs an input_shape"):
        model.build(None)
    model.add(Dense(2))
    with pytest.raises(ValueError, match="must be the first layer"):
        model.add(layers.InputLayer(batch_shape=(None, 3)))
    with pytest.raises(AttributeError, match="has no input yet"):
        _ = model.input
    model.build((None, 5))
    assert model.output.shape == (None, 2) and model.count_params() == 12
    with pytest.raises(TypeError, match="no layers"):
        Sequential().pop()


def test_a_built_model_as_first_layer_gives_the_input_and_layers_is_reserved():
    from cuflow import layers as L

    inp = L.Input((4, 4, 3))
    inner = Model(inp, L.Conv2D(2, 3, padding="same")(inp))
    model = Sequential([inner, L.Flatten(), L.Dense(1)])
    assert model.built and model.inputs[0].shape == (None, 4, 4, 3)
    assert model(np.ones((2, 4, 4, 3), "float32")).shape == (2, 1)
    empty = Sequential()
    assert not hasattr(empty, "inputs") and not hasattr(empty, "outputs")
    with pytest.raises(AttributeError, match=r"Use `add\(\)` and `pop\(\)`"):
        empty.layers = []
