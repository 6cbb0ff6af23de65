"""Keras 3 weight paths: snake-case class names numbered by position, Keras's functional layer
order, sub-layers under the attribute holding them, shared layers once."""

from __future__ import annotations

import pytest

from cuflow import layers, models
from cuflow.saving import keras_layout


@pytest.mark.parametrize("name, expected", [
    ("Dense", "dense"), ("BatchNormalization", "batch_normalization"), ("Conv2D", "conv2d"),
    ("ReLU", "re_lu"), ("ZeroPadding2D", "zero_padding2d"), ("LSTM", "lstm"),
    ("GlobalAveragePooling2D", "global_average_pooling2d"), ("DepthwiseConv2D",
                                                              "depthwise_conv2d")])
def test_snake_case_as_keras(name, expected):
    assert keras_layout.to_snake_case(name) == expected


def test_sequential_paths_by_class_and_position():
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, name="a"),
                               layers.Dropout(0.1, name="b"), layers.Dense(2, name="c"),
                               layers.Dense(1)])
    paths = [(p, lay.name) for p, lay in keras_layout.walk(model)]
    assert paths[0] == ("", model.name)
    assert [p for p, _ in paths[1:]] == ["layers/dense", "layers/dropout", "layers/dense_1",
                                         "layers/dense_2"]
    groups = keras_layout.groups(model)
    assert [p for p, _, _ in groups] == ["layers/dense", "layers/dense_1", "layers/dense_2"]
    assert [v.shape for v in groups[0][2]] == [(4, 3), (3,)]  # kernel, bias


def test_sub_layers_by_attribute():
    inp = layers.Input((5, 3))
    out = layers.Bidirectional(layers.GRU(2))(inp)
    model = models.Model(inp, layers.Dense(1)(out))
    paths = [p for p, _, _ in keras_layout.groups(model)]
    assert paths == ["layers/bidirectional/backward_layer/cell",
                     "layers/bidirectional/forward_layer/cell", "layers/dense"]
    assert keras_layout.vars_path("") == "vars"
    assert keras_layout.vars_path("layers/dense") == "layers/dense/vars"


def test_shared_layer_stored_once_and_nested_models():
    a, b = layers.Input((4,)), layers.Input((4,))
    shared = layers.Dense(3)
    inner = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    out = layers.Add()([inner(shared(a)), inner(shared(b))])
    model = models.Model([a, b], out)
    paths = [p for p, _, _ in keras_layout.groups(model)]
    assert paths == ["layers/dense", "layers/sequential/layers/dense"]


def test_keras_order_puts_deeper_branches_first():
    inp = layers.Input((4,))
    short = layers.Dense(2, name="short")(inp)
    long = layers.Dense(2, name="long2")(layers.Dense(3, name="long1")(inp))
    model = models.Model(inp, layers.Concatenate(name="cat")([short, long]))
    names = [lay.name for lay in keras_layout.keras_layer_order(model)]
    assert names[1:] == ["long1", "short", "long2", "cat"]
