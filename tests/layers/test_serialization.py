"""Layers as ``{"class_name", "config"}`` entries and back, through the closed registry."""

from __future__ import annotations

import pytest

from cuflow import initializers, layers, regularizers
from cuflow.layers.serialization import (
    deserialize_layer,
    lookup_layer_class,
    serialize,
    serialize_layer,
)


def test_serialize_keeps_none():
    assert serialize(regularizers, None) is None
    assert serialize(initializers, initializers.get("ones")) == initializers.serialize(
        initializers.get("ones"))


def test_layer_entry_round_trip():
    dense = layers.Dense(3, activation="relu", name="d")
    entry = serialize_layer(dense)
    assert entry == {"class_name": "Dense", "config": dense.get_config()}
    again = deserialize_layer(entry)
    assert type(again) is layers.Dense and again.get_config() == dense.get_config()
    assert deserialize_layer(dense) is dense  # an instance passes through


def test_nested_cells_go_through_from_config_with_custom_objects():
    rnn = layers.RNN(layers.LSTMCell(2), return_sequences=True)
    again = deserialize_layer(serialize_layer(rnn))
    assert type(again.cell) is layers.LSTMCell and again.get_config() == rnn.get_config()


def test_custom_classes_and_unknown_names():
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2

    entry = serialize_layer(Doubler(name="dbl"))
    with pytest.raises(ValueError, match="Unknown layer class 'Doubler'; register it"):
        deserialize_layer(entry)
    assert type(deserialize_layer(entry, {"Doubler": Doubler})) is Doubler
    assert lookup_layer_class("Dense") is layers.Dense
    with pytest.raises(ValueError, match="Unknown layer class 'Nope'"):
        lookup_layer_class("Nope")
