"""tf.keras 2 configs to cuflow's and back: node lists, implementation-only options, optimizer
and metric names, refused Lambda layers, the Keras 2 forms written."""

from __future__ import annotations

import json

import pytest

from cuflow import layers, models
from cuflow.errors import UnsafeModelError
from cuflow.saving import keras2_config


def _dense(name, units, **extra):
    return {"class_name": "Dense", "config": {"name": name, "units": units, **extra}}


def test_a_bare_list_sequential_of_old_keras_becomes_a_model_entry():
    entry = keras2_config.model_entry({"class_name": "Sequential",
                                       "config": [_dense("d", 2, activation="relu")]})
    assert entry["class_name"] == "Sequential"
    assert entry["config"]["layers"][0]["config"]["units"] == 2


def test_functional_nodes_and_implementation_options_are_converted():
    lstm = {"class_name": "LSTM", "name": "rnn", "inbound_nodes": [[["in", 0, 0, {}]]],
            "config": {"name": "rnn", "units": 3, "implementation": 2}}
    raw = {"class_name": "Model", "config": {
        "name": "m", "layers": [
            {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
             "config": {"name": "in", "batch_input_shape": [None, 5, 4]}},
            lstm],
        "input_layers": [["in", 0, 0]], "output_layers": [["rnn", 0, 0]]}}
    entry = keras2_config.model_entry(raw)
    assert entry["class_name"] == "Functional"
    rnn = entry["config"]["layers"][1]
    assert "implementation" not in rnn["config"]
    node = rnn["inbound_nodes"][0]
    assert node["args"][0]["config"]["keras_history"] == ["in", 0, 0] and node["kwargs"] == {}


def test_training_config_names_become_cuflow_names():
    cc = keras2_config.compile_config({
        "optimizer_config": {"class_name": "Adam", "config": {"lr": 0.01, "decay": 0.0,
                                                              "is_legacy_optimizer": False}},
        "loss": {"class_name": "Huber", "config": {"reduction": "auto", "delta": 1.0}},
        "metrics": [{"class_name": "MeanMetricWrapper",
                     "config": {"name": "acc", "fn": "sparse_categorical_accuracy"}}],
        "weighted_metrics": None, "loss_weights": None})
    assert cc["optimizer"] == {"class_name": "Adam", "config": {"learning_rate": 0.01}}
    assert cc["loss"]["config"]["reduction"] == "sum_over_batch_size"
    assert cc["metrics"] == ["accuracy"]
    assert keras2_config.compile_config(None) is None


def test_lambda_layers_are_refused_by_name():
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Lambda", "config": {"name": "fn", "function": "4wEAAAAA"}}]}}
    with pytest.raises(UnsafeModelError, match="layer 'fn' is a Keras Lambda layer"):
        keras2_config.refuse_code_layers(config, "m.h5")


def test_writing_uses_keras2_forms():
    x = layers.Input((3,), name="x")
    h = layers.Dense(4, name="h")(x)
    model = models.Model(x, layers.Dense(1, name="o")(h))
    entry = keras2_config.keras2_model_config(model)
    json.dumps(entry)  # plain JSON
    by_name = {e["name"]: e for e in entry["config"]["layers"]}
    assert by_name["x"]["config"]["batch_input_shape"] == [None, 3]
    assert by_name["o"]["inbound_nodes"] == [[["h", 0, 0, {}]]]
    assert "lora_rank" not in by_name["h"]["config"]


def test_single_output_metrics_unwrap_the_per_output_list():
    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    assert keras2_config.single_output_metrics([["mae", "mse"]], model) == ["mae", "mse"]
    assert keras2_config.single_output_metrics(["mae"], model) == ["mae"]
