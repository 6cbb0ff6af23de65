"""``Input`` and ``InputLayer``: batch shapes, dtypes (text too), names, configs and errors."""

from __future__ import annotations

import pytest

import cuflow as cf
from cuflow import layers


def test_input_shapes_names_and_dtypes():
    cf.backend.clear_session()
    x = layers.Input((4, 2))
    assert x.shape == (None, 4, 2) and x.dtype == "float32" and x.name == "input_layer"
    assert layers.Input((4,)).name == "input_layer_1"
    y = layers.Input(batch_shape=(8, 3), dtype="int32", name="ids")
    assert y.shape == (8, 3) and y.dtype == "int32" and y.name == "ids"
    assert layers.Input(shape=5, batch_size=2).shape == (2, 5)
    text = layers.Input((1,), dtype="string")
    assert text.dtype == "string"


def test_input_layer_config_and_history():
    layer = layers.InputLayer(shape=(3,), name="inp")
    assert layer.built and layer.batch_shape == (None, 3)
    config = layer.get_config()
    assert config == {"batch_shape": [None, 3], "dtype": "float32", "sparse": False,
                      "name": "inp"}
    again = layers.InputLayer.from_config(config)
    assert again.output_tensor.shape == (None, 3)
    assert layer.output_tensor._keras_history == (layer, 0, 0)
    assert layers.InputLayer(input_shape=(2,)).batch_shape == (None, 2)
    assert layer.compute_output_shape((None, 3)) == (None, 3)


def test_input_errors():
    with pytest.raises(ValueError, match="Input needs a shape"):
        layers.Input()
    with pytest.raises(ValueError, match="Input shape entries must be non-negative ints"):
        layers.Input((-1,))
    with pytest.raises(ValueError, match="sparse inputs are not supported"):
        layers.Input((2,), sparse=True)
