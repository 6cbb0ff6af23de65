"""serialize_keras_object / deserialize_keras_object: Keras 3's dict format over the closed
registry, for models (through their own configs), optimizers with schedules, losses, nested
plain data; code is never restored."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import layers, models, optimizers
from cuflow.saving import object_serialization as ser


def test_a_model_round_trips_through_its_own_config():
    x = layers.Input((3,), name="x")
    model = models.Model(x, layers.Dense(2, name="d")(x), name="net")
    cfg = ser.serialize_keras_object(model)
    assert cfg["class_name"] == "Functional" and cfg["config"]["name"] == "net"
    again = ser.deserialize_keras_object(cfg)
    assert type(again) is models.Functional and again.get_layer("d").units == 2
    seq = models.Sequential([layers.Input((2,)), layers.Dense(1, name="o")])
    back = ser.deserialize_keras_object(ser.serialize_keras_object(seq))
    assert type(back) is models.Sequential and back.output.shape == (None, 1)


def test_an_optimizer_with_a_schedule_and_a_loss_round_trip():
    sched = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    opt = ser.deserialize_keras_object(ser.serialize_keras_object(optimizers.Adam(sched)))
    assert isinstance(opt, optimizers.Adam)
    lr = opt.get_config()["learning_rate"]
    assert lr["class_name"] == "ExponentialDecay" and lr["config"]["decay_steps"] == 10
    loss = ser.deserialize_keras_object(
        ser.serialize_keras_object(cuflow.losses.Huber(delta=3.0)))
    assert isinstance(loss, cuflow.losses.Huber) and loss.get_config()["delta"] == 3.0


def test_plain_data_tuples_and_arrays():
    value = {"t": (1, 2), "a": np.arange(3, dtype="float32"), "n": None}
    back = ser.deserialize_keras_object(ser.serialize_keras_object(value))
    assert back["n"] is None and list(back["t"]) == [1, 2]
    np.testing.assert_array_equal(back["a"], [0.0, 1.0, 2.0])


def test_code_is_refused_both_ways():
    with pytest.raises(ValueError, match="cannot serialize a lambda"):
        ser.serialize_keras_object(lambda v: v)
    with pytest.raises(ValueError, match="never loads"):
        ser.deserialize_keras_object({"class_name": "Lambda", "config": {}})
