"""Custom activation functions in configs and model files: found through
register_keras_serializable, custom_object_scope or custom_objects, never anywhere else."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L


def _cube(x):
    return x * x * x


def test_scoped_activation_rebuilds_a_layer_and_is_unknown_outside_the_scope():
    config = L.Dense(2, activation=_cube).get_config()
    assert config["activation"] == "_cube"
    with cf.utils.custom_object_scope({"_cube": _cube}):
        assert L.Dense.from_config(config).activation is _cube
    with pytest.raises(ValueError, match="Unknown activation '_cube'"):
        L.Dense.from_config(config)


def test_registered_activation_saves_and_loads_by_its_registered_name(tmp_path):
    @cf.utils.register_keras_serializable("cuflow_test")
    def softsquare(x):
        return cf.ops.log(1.0 + x * x)

    assert cf.activations.serialize(softsquare) == "cuflow_test>softsquare"
    model = cf.models.Sequential([L.Input(shape=(3,)), L.Dense(2, activation=softsquare)])
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    path = tmp_path / "m.cuflow"
    model.save(path)
    loaded = cf.models.load_model(path)
    assert loaded.layers[0].activation is softsquare
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_file_naming_an_unregistered_function_is_refused(tmp_path):
    def unknown(x):
        return x

    model = cf.models.Sequential([L.Input(shape=(3,)), L.Dense(2, activation=unknown)])
    path = tmp_path / "m.cuflow"
    model.save(path)
    with pytest.raises(Exception, match="unknown"):
        cf.models.load_model(path)


def test_builtin_names_still_resolve_and_custom_objects_win():
    assert cf.activations.get("relu") is cf.activations.relu
    assert cf.activations.deserialize("relu", custom_objects={"relu": _cube}) is _cube
