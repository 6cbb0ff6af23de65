"""``model.save("x.keras")`` writes a Keras 3 archive: Keras's module / class names, metadata,
weights at Keras's paths; cuflow reads it back identically. (Real Keras opens these files in
tests/interop.)"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import cuflow
from cuflow import layers, models, saving
from cuflow.saving import keras_archive

h5py = pytest.importorskip("h5py")
X = np.random.default_rng(5).normal(size=(6, 4)).astype("float32")


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_archive_members_and_keras_names(tmp_path):
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                               layers.BatchNormalization(), layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    members = _members(tmp_path / "m.keras")
    assert set(members) == {"config.json", "metadata.json", "model.weights.h5"}
    config = json.loads(members["config.json"])
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["build_config"] == {"input_shape": [None, 4]}
    assert config["compile_config"] is None
    dense = config["config"]["layers"][1]
    assert (dense["module"], dense["class_name"], dense["registered_name"]) == \
        ("keras.layers", "Dense", None)
    assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    meta = json.loads(members["metadata.json"])
    assert meta["keras_version"].startswith("3.") and "date_saved" in meta
    with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
        assert list(f["layers/batch_normalization/vars"]) == ["0", "1", "2", "3"]
        np.testing.assert_array_equal(f["layers/dense_1/vars/0"][()],
                                      model.layers[2].get_weights()[0])
    loaded = saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_functional_single_tensor_refs_are_bare():
    inp = layers.Input((4,))
    model = models.Model(inp, layers.Dense(2)(inp))
    config = keras_archive.keras_config(model)
    assert config["module"] == "keras.src.models.functional"
    assert config["config"]["input_layers"] == [model.layers[0].name, 0, 0]
    assert config["config"]["output_layers"][0] == model.layers[1].name
    a, b = layers.Input((2,)), layers.Input((2,))
    two = models.Model([a, b], [layers.Add()([a, b])])
    assert len(keras_archive.keras_config(two)["config"]["input_layers"]) == 2
    assert isinstance(keras_archive.keras_config(two)["config"]["output_layers"][0], list)


def test_registered_class_keeps_its_module_and_name(tmp_path):
    @saving.register_keras_serializable(package="archive_test")
    class Twice(layers.Layer):
        def call(self, x):
            return x * 2.0

    model = models.Sequential([layers.Input((4,)), Twice(), layers.Dense(1)])
    config = keras_archive.keras_config(model)
    entry = config["config"]["layers"][1]
    assert entry["registered_name"] == "archive_test>Twice"
    assert entry["module"] == Twice.__module__
    model.save(tmp_path / "t.keras")
    loaded = saving.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_compiled_model_writes_compile_config_and_optimizer(tmp_path):
    model = models.Sequential([layers.Input((4,)), layers.Dense(2)])
    model.compile(optimizer=cuflow.optimizers.Adam(0.01), loss="mse")
    model.fit(X, X[:, :2], batch_size=3, epochs=1, verbose=0)
    model.save(tmp_path / "c.keras")
    members = _members(tmp_path / "c.keras")
    cc = json.loads(members["config.json"])["compile_config"]
    assert cc["optimizer"]["module"] == "keras.optimizers"
    assert cc["optimizer"]["class_name"] == "Adam" and cc["loss"] == "mse"
    with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
        assert f["optimizer/vars/0"][()] == 2  # iterations
    loaded = saving.load_model(tmp_path / "c.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 2
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_cuflow_suffix_keeps_cuflow_zip(tmp_path):
    model = models.Sequential([layers.Input((4,)), layers.Dense(2)])
    model.save(tmp_path / "m.cuflow")
    assert "model.weights.npz" in _members(tmp_path / "m.cuflow")
    assert json.loads(_members(tmp_path / "m.cuflow")["config.json"])["format"] == "cuflow"


def test_to_keras_modules_by_key():
    entry = {"class_name": "Dense", "config": {
        "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.1}},
        "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2}}}}
    out = keras_archive.to_keras(entry)
    assert out["config"]["kernel_regularizer"]["module"] == "keras.regularizers"
    assert out["config"]["kernel_constraint"]["module"] == "keras.constraints"
    tensor = {"class_name": "__keras_tensor__", "config": {"shape": [None], "dtype": "float32",
                                                           "keras_history": ["a", 0, 0]}}
    assert keras_archive.to_keras(tensor) == tensor


def test_multi_argument_calls_are_positional():
    q, v = layers.Input((4, 8)), layers.Input((5, 8))
    model = models.Model([q, v], layers.MultiHeadAttention(2, 4, name="mha")(q, v))
    entry = next(e for e in keras_archive.keras_config(model)["config"]["layers"]
                 if e["name"] == "mha")
    args = entry["inbound_nodes"][0]["args"]
    assert [a["config"]["keras_history"][0] for a in args] == [model.layers[0].name,
                                                              model.layers[1].name]
