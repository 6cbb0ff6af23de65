"""save_model / load_model / save_weights / load_weights: save -> load -> identical predictions,
resumed training, overwrite and atomic writes, suffixes, registered and custom classes."""

from __future__ import annotations

import importlib.util
import json
import os
import zipfile

import numpy as np
import pytest

import cuflow
from cuflow import layers, models, saving
from cuflow.saving import archive

from ._helpers import (
    assert_same_weights,
    functional_model,
    listing,
    mlp,
    predict,
    read_members,
    sequential_model,
)

RNG = np.random.default_rng(7)
X_INT = RNG.integers(0, 10, size=(12, 6))
X_A = RNG.normal(size=(12, 4)).astype("float32")
X_B = RNG.normal(size=(12, 4)).astype("float32")
X = np.random.default_rng(3).normal(size=(6, 4)).astype("float32")
H5 = pytest.param(".weights.h5", marks=pytest.mark.skipif(
    importlib.util.find_spec("h5py") is None, reason="needs h5py"))


def test_sequential_round_trip(tmp_path):
    model = sequential_model()
    model.compile("adam", "mse", metrics=["mae"])
    model.fit(X_INT, RNG.normal(size=(12, 3)).astype("float32"), epochs=1, verbose=0,
              shuffle=False)
    path = tmp_path / "seq.cuflow"
    model.save(path)
    loaded = models.load_model(path)
    assert type(loaded) is models.Sequential
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for a, b in zip(predict(model, X_INT), predict(loaded, X_INT)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["config.json", "model.weights.npz", "optimizer.npz"]
        config = json.loads(zf.read("config.json"))
    assert config["format"] == "cuflow" and config["format_version"] == 1
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "mse"


def test_functional_two_inputs_two_outputs_shared_layer(tmp_path):
    model = functional_model()
    path = tmp_path / "f.keras"  # the .keras extension writes the cuflow format too
    saving.save_model(model, path)
    loaded = saving.load_model(path, compile=False)
    assert type(loaded).__name__ == "Functional"
    assert loaded.input_names == ["in_a", "in_b"]
    assert loaded.output_names == ["out1", "out2"]
    assert len(loaded.get_layer("shared")._inbound_nodes) == 2  # still one shared layer
    for a, b in zip(predict(model, [X_A, X_B]), predict(loaded, [X_A, X_B])):
        np.testing.assert_array_equal(a, b)
    config = json.loads(read_members(path)["config.json"])["config"]
    assert config["input_layers"] == [["in_a", 0, 0], ["in_b", 0, 0]]
    assert config["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]
    shared = next(e for e in config["layers"] if e["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2


def test_single_output_functional_keeps_structure(tmp_path):
    inp = layers.Input((3,))
    model = models.Model(inp, layers.Dense(2)(inp))
    model.save(tmp_path / "m.cuflow")
    loaded = models.load_model(tmp_path / "m.cuflow")
    x = RNG.normal(size=(5, 3)).astype("float32")
    out = loaded.predict(x, verbose=0)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, model.predict(x, verbose=0))


def test_resume_training_matches_straight_training(tmp_path):
    x = RNG.normal(size=(32, 4)).astype("float32")
    y = RNG.normal(size=(32, 2)).astype("float32")

    straight = mlp()
    straight.compile(cuflow.optimizers.Adam(0.01), "mse")
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)

    first = mlp()
    first.compile(cuflow.optimizers.Adam(0.01), "mse")
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "ckpt.cuflow")
    resumed = models.load_model(tmp_path / "ckpt.cuflow")
    assert int(resumed.optimizer.iterations.numpy()) == 8
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_compile_false_and_uncompiled_models(tmp_path):
    model = mlp()
    model.save(tmp_path / "plain.cuflow")
    assert "optimizer.npz" not in read_members(tmp_path / "plain.cuflow")
    assert not models.load_model(tmp_path / "plain.cuflow").compiled
    model.compile("sgd", "mse")
    model.save(tmp_path / "c.cuflow")
    assert not models.load_model(tmp_path / "c.cuflow", compile=False).compiled


def test_overwrite_false(tmp_path):
    path = tmp_path / "m.cuflow"
    mlp().save(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=False"):
        mlp(1).save(path, overwrite=False)
    assert path.read_bytes() == before
    mlp(1).save(path)  # overwrite=True replaces it
    assert path.read_bytes() != before
    mlp().save_weights(tmp_path / "w.weights.npz")
    with pytest.raises(FileExistsError):
        mlp().save_weights(tmp_path / "w.weights.npz", overwrite=False)


def test_failed_write_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.cuflow"
    mlp().save(path)
    before = path.read_bytes()
    real = archive.write_zip

    def half_then_fail(f, members):
        real(f, members[:1])  # something is written to the temp file...
        raise OSError("disk full (simulated)")  # ...then the write fails midway

    monkeypatch.setattr(archive, "write_zip", half_then_fail)
    with pytest.raises(OSError, match="simulated"):
        mlp(1).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.cuflow"]  # no temp file left behind


def test_bad_extensions(tmp_path):
    with pytest.raises(ValueError, match=".cuflow"):
        mlp().save(tmp_path / "m.bin")  # .h5 is a tf.keras 2 model file (test_keras2_h5)
    with pytest.raises(ValueError, match=".weights.npz"):
        mlp().save_weights(tmp_path / "m.bin")


def test_unregistered_subclassed_model_saves_and_loads_through_custom_objects(tmp_path):
    # as Keras 3: the class name is saved; loading finds the class by custom_objects / a scope
    class Sub(models.Model):
        def __init__(self, units=2, **kw):
            super().__init__(**kw)
            self.units = units
            self.d = layers.Dense(units)

        def call(self, x):
            return self.d(x)

    model = Sub(units=3)
    x = np.ones((1, 3), "float32")
    model(x)
    model.save(tmp_path / "s.cuflow")
    with pytest.raises(ValueError, match="Sub"):
        models.load_model(tmp_path / "s.cuflow")
    back = models.load_model(tmp_path / "s.cuflow", custom_objects={"Sub": Sub})
    assert type(back) is Sub and back.units == 3
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0))

    class Holds(models.Model):  # an __init__ value no config can hold: refused, with the fix
        def __init__(self, inner, **kw):
            super().__init__(**kw)
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    held = Holds(layers.Dense(2))
    held(x)
    with pytest.raises(NotImplementedError, match="(?s)get_config.*save_weights"):
        held.save(tmp_path / "h.cuflow")
    assert not (tmp_path / "h.cuflow").exists()


def test_registered_custom_layer_and_model(tmp_path):
    @saving.register_serializable(package="Tests")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kw):
            super().__init__(**kw)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def compute_output_shape(self, input_shape):
            return tuple(input_shape)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @saving.register_keras_serializable(package="Tests")
    class Net(models.Model):
        def __init__(self, units=3, **kw):
            super().__init__(**kw)
            self.units = units
            self.d = layers.Dense(units)
            self.s = Scale(3.0)

        def call(self, x):
            return self.s(self.d(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    inp = layers.Input((4,))
    fmodel = models.Model(inp, Scale(0.5)(layers.Dense(2)(inp)))
    fmodel.save(tmp_path / "f.cuflow")
    loaded = models.load_model(tmp_path / "f.cuflow")
    np.testing.assert_array_equal(fmodel.predict(X_A, verbose=0), loaded.predict(X_A, verbose=0))

    net = Net(units=3)
    net(X_A)
    net.save(tmp_path / "net.cuflow")
    again = models.load_model(tmp_path / "net.cuflow")
    assert type(again) is Net and again.units == 3
    np.testing.assert_array_equal(net.predict(X_A, verbose=0), again.predict(X_A, verbose=0))


def test_custom_objects_resolve_unregistered_classes(tmp_path):
    class Twice(layers.Layer):
        def call(self, x):
            return x * 2.0

        def compute_output_shape(self, input_shape):
            return tuple(input_shape)

    inp = layers.Input((4,))
    model = models.Model(inp, layers.Dense(2)(inp))
    model.save(tmp_path / "m.cuflow")
    # swap the Dense entry's class for a name only custom_objects knows
    members = read_members(tmp_path / "m.cuflow")
    config = json.loads(members["config.json"])
    config["config"]["layers"].append({"class_name": "Twice", "config": {"name": "tw"},
                                       "name": "tw", "inbound_nodes": []})
    members["config.json"] = json.dumps(config).encode()
    from ._helpers import write_members

    write_members(tmp_path / "c.cuflow", members)
    with pytest.raises(ValueError, match="Twice"):
        models.load_model(tmp_path / "c.cuflow")
    loaded = models.load_model(tmp_path / "c.cuflow", custom_objects={"Twice": Twice})
    np.testing.assert_array_equal(model.predict(X_A, verbose=0), loaded.predict(X_A, verbose=0))


def test_loading_writes_nothing(tmp_path):
    model = functional_model()
    model.compile("adam", ["mse", "binary_crossentropy"])
    model.save(tmp_path / "m.cuflow")
    before = listing(tmp_path)
    models.load_model(tmp_path / "m.cuflow")
    assert listing(tmp_path) == before


@pytest.mark.gpu
def test_saved_on_gpu_loads_on_cpu_and_back(tmp_path):
    with cuflow.device("gpu"):
        model = mlp()
        model.compile("adam", "mse")
        model.fit(X_A, X_A[:, :2], epochs=1, verbose=0, shuffle=False)
        model.save(tmp_path / "g.cuflow")
        expected = model.predict(X_A, verbose=0)
        weights = model.get_weights()
    with cuflow.device("cpu"):
        cpu = models.load_model(tmp_path / "g.cuflow")
        assert all(w.device == "cpu" for w in cpu.weights)
        for a, b in zip(weights, cpu.get_weights()):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(cpu.predict(X_A, verbose=0), expected, rtol=1e-5, atol=1e-6)
        cpu.save(tmp_path / "c.cuflow")
    with cuflow.device("gpu"):
        gpu = models.load_model(tmp_path / "c.cuflow")
        assert all(w.device.startswith("gpu") for w in gpu.weights)
        np.testing.assert_allclose(gpu.predict(X_A, verbose=0), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("suffix", [".weights.npz", H5])
def test_weights_round_trip(tmp_path, suffix):
    src, dst = mlp(0), mlp(1)
    src.save_weights(tmp_path / f"w{suffix}")
    dst.load_weights(tmp_path / f"w{suffix}")
    assert_same_weights(src, dst)
    np.testing.assert_array_equal(src.predict(X, verbose=0), dst.predict(X, verbose=0))
