"""cuflow.utils.object_serialization and the registry names cuflow.utils re-exports: custom
layers registered or scoped, saved and loaded; serialize / deserialize_keras_object."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils
from cuflow.saving import registry


@utils.register_keras_serializable(package="UtilsTest")
class Scale(tf.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Shift(tf.layers.Layer):  # not registered: found through scopes / custom objects only
    def __init__(self, by=1.0, **kwargs):
        super().__init__(**kwargs)
        self.by = by

    def call(self, x):
        return x + self.by

    def get_config(self):
        return {**super().get_config(), "by": self.by}


def _model(layer):
    model = tf.Sequential([tf.layers.Input((3,)), tf.layers.Dense(2), layer])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_registered_custom_layer_saves_and_loads(tmp_path):
    assert utils.get_custom_objects()["UtilsTest>Scale"] is Scale
    assert utils.get_registered_name(Scale) == "UtilsTest>Scale"
    model = _model(Scale(3.0))
    x = np.ones((2, 3), "float32")
    path = tmp_path / "m.cuflow"
    model.save(path)
    loaded = tf.saving.load_model(path)
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 3.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_object_scope_and_get_custom_objects(tmp_path):
    model = _model(Shift(0.5))
    path = tmp_path / "s.cuflow"
    with utils.custom_object_scope({"Shift": Shift}):
        model.save(path)  # savable while the scope names the class
        loaded = tf.saving.load_model(path)
    assert isinstance(loaded.layers[-1], Shift)
    with pytest.raises(ValueError, match="Shift"):
        tf.saving.load_model(path)  # scope gone: unknown
    utils.get_custom_objects()["Shift"] = Shift
    try:
        assert isinstance(tf.saving.load_model(path).layers[-1], Shift)
    finally:
        del utils.get_custom_objects()["Shift"]
    with utils.CustomObjectScope({"Shift": Shift}) as scope:
        assert registry.scope_objects() == {"Shift": Shift} and scope.custom_objects
    assert registry.scope_objects() == {}
    with pytest.raises(ValueError, match="reserved"):
        utils.custom_object_scope({"Lambda": Shift})


def test_serialize_deserialize_keras_object():
    cfg = utils.serialize_keras_object(Scale(1.5, name="s"))
    assert cfg["class_name"] == "Scale" and cfg["registered_name"] == "UtilsTest>Scale"
    assert cfg["config"]["factor"] == 1.5
    obj = utils.deserialize_keras_object(cfg)
    assert isinstance(obj, Scale) and obj.factor == 1.5 and obj.name == "s"
    dense = utils.deserialize_keras_object(utils.serialize_keras_object(
        tf.layers.Dense(4, activation="relu")))
    assert isinstance(dense, tf.layers.Dense) and dense.units == 4
    init = utils.deserialize_keras_object(utils.serialize_keras_object(
        tf.initializers.Constant(0.25)))
    assert isinstance(init, tf.initializers.Constant)
    relu = utils.serialize_keras_object(tf.activations.relu)
    assert relu["class_name"] == "function" and relu["config"] == "relu"
    assert utils.deserialize_keras_object(relu) is tf.activations.relu
    arr = utils.deserialize_keras_object(utils.serialize_keras_object(np.arange(3.0)))
    np.testing.assert_array_equal(arr, [0, 1, 2])
    assert utils.deserialize_keras_object({"a": [1, "x", None]}) == {"a": [1, "x", None]}
    assert tf.saving.serialize_keras_object is utils.serialize_keras_object
    with pytest.raises(ValueError, match="cannot serialize a lambda"):
        utils.serialize_keras_object(lambda v: v)
    with pytest.raises(ValueError, match="never loads"):
        utils.deserialize_keras_object({"class_name": "__lambda__", "config": {"value": "x"}})
    with pytest.raises(ValueError, match="never loads"):
        utils.deserialize_keras_object({"class_name": "Lambda", "config": {}})
    with pytest.raises(ValueError, match="Could not locate class 'Nope'"):
        utils.deserialize_keras_object({"module": "os", "class_name": "Nope", "config": {}})
    entry = utils.serialize_keras_object(Shift(by=3.0))  # any layer saves, as Keras
    assert entry["class_name"] == "Shift" and entry["config"]["by"] == 3.0
    with utils.custom_object_scope({"Shift": Shift}):
        shift = utils.deserialize_keras_object({"class_name": "Shift", "config": {"by": 2.0}})
    assert isinstance(shift, Shift) and shift.by == 2.0
