"""Keras 3 ``.keras`` archives written by hand in the layout Keras uses, read through the
class-name mapping of keras_compat; a real Keras round trip when Keras is installed."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import cuflow
from cuflow import saving

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(3)
X = RNG.normal(size=(6, 4)).astype("float32")


# ---- Keras 3 archives, written as Keras writes them -------------------------------------------
def policy():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
            "registered_name": None}


def init(name, **config):
    return {"module": "keras.initializers", "class_name": name, "config": config,
            "registered_name": None}


def dense(name, units, activation):
    return {"name": name, "trainable": True, "dtype": policy(), "units": units,
            "activation": activation, "use_bias": True,
            "kernel_initializer": init("GlorotUniform", seed=None),
            "bias_initializer": init("Zeros"), "kernel_regularizer": None,
            "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
            "lora_rank": None, "quantization_config": None}


def entry(class_name, config, **extra):
    return {"module": "keras.layers", "class_name": class_name, "config": config,
            "registered_name": None, **extra}


def ktensor(shape, history):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": history}}


ADAM = {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
        "config": {"name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None,
                   "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                   "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "loss_scale_factor": None, "gradient_accumulation_steps": None,
                   "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}


def write_keras_archive(path, config, weights, optimizer=None):
    import io

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars")
        for layer_name, arrays in weights.items():
            g = f.create_group(f"layers/{layer_name}/vars")
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        if optimizer is not None:
            g = f.create_group("optimizer/vars")
            for i, a in enumerate(optimizer):
                g.create_dataset(str(i), data=a)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.6.0",
                                                 "date_saved": "2024-10-01@12:00:00"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", buf.getvalue())


def test_keras3_sequential_archive(tmp_path):
    w1, b1 = RNG.normal(size=(4, 8)).astype("float32"), RNG.normal(size=8).astype("float32")
    w2, b2 = RNG.normal(size=(8, 2)).astype("float32"), RNG.normal(size=2).astype("float32")
    config = {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": "sequential", "trainable": True, "dtype": policy(),
                   "layers": [entry("InputLayer", {"batch_shape": [None, 4], "dtype": "float32",
                                                   "sparse": False, "name": "input_layer"}),
                              entry("Dense", dense("dense", 8, "relu"),
                                    build_config={"input_shape": [None, 4]}),
                              entry("Dense", dense("dense_1", 2, "linear"),
                                    build_config={"input_shape": [None, 8]})],
                   "build_input_shape": [None, 4]},
        "build_config": {"input_shape": [None, 4]},
        "compile_config": {"optimizer": ADAM, "loss": "mean_squared_error",
                           "loss_weights": None, "metrics": ["mae"], "weighted_metrics": None,
                           "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False},
    }
    slots = [np.zeros_like(a) for a in (w1, w1, b1, b1, w2, w2, b2, b2)]
    opt = [np.array(5, "int64"), np.array(0.001, "float32")] + slots
    write_keras_archive(tmp_path / "k.keras", config, {"dense": [w1, b1], "dense_1": [w2, b2]},
                        optimizer=opt)
    model = saving.load_model(tmp_path / "k.keras")
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    expected = np.maximum(X @ w1 + b1, 0) @ w2 + b2
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)
    assert isinstance(model.optimizer, cuflow.optimizers.Adam)
    assert int(model.optimizer.iterations.numpy()) == 5
    model.fit(X, expected, epochs=1, verbose=0)  # trains after loading


def test_keras3_functional_archive(tmp_path):
    wa, ba = RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=3).astype("float32")
    wb, bb = RNG.normal(size=(4, 2)).astype("float32"), RNG.normal(size=2).astype("float32")
    inp = ktensor([None, 4], ["input_layer", 0, 0])
    config = {
        "module": "keras.src.models.functional", "class_name": "Functional",
        "registered_name": "Functional", "build_config": {"input_shape": None},
        "compile_config": None,
        "config": {
            "name": "functional", "trainable": True,
            "layers": [
                entry("InputLayer", {"batch_shape": [None, 4], "dtype": "float32",
                                     "sparse": False, "name": "input_layer"},
                      name="input_layer", inbound_nodes=[]),
                entry("Dense", dense("dense", 3, "tanh"), name="dense",
                      build_config={"input_shape": [None, 4]},
                      inbound_nodes=[{"args": [inp], "kwargs": {}}]),
                entry("Dense", dense("dense_1", 2, "sigmoid"), name="dense_1",
                      build_config={"input_shape": [None, 4]},
                      inbound_nodes=[{"args": [inp], "kwargs": {}}]),
                entry("Concatenate", {"name": "concatenate", "trainable": True,
                                      "dtype": policy(), "axis": -1},
                      name="concatenate", build_config={"input_shape": [[None, 3], [None, 2]]},
                      inbound_nodes=[{"args": [[ktensor([None, 3], ["dense", 0, 0]),
                                                ktensor([None, 2], ["dense_1", 0, 0])]],
                                      "kwargs": {}}]),
            ],
            "input_layers": [["input_layer", 0, 0]],
            "output_layers": [["concatenate", 0, 0]],
        },
    }
    write_keras_archive(tmp_path / "f.keras", config,
                        {"input_layer": [], "dense": [wa, ba], "dense_1": [wb, bb],
                         "concatenate": []})
    model = saving.load_model(tmp_path / "f.keras")
    out = model.predict(X, verbose=0)
    expected = np.concatenate([np.tanh(X @ wa + ba), 1 / (1 + np.exp(-(X @ wb + bb)))], axis=-1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_keras3_unsupported_option_is_named(tmp_path):
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "s", "layers": [
                  entry("InputLayer", {"batch_shape": [None, 4], "dtype": "int32",
                                       "name": "i"}),
                  entry("Embedding", {"name": "e", "input_dim": 5, "output_dim": 2,
                                      "dtype": "gptq/4/128_from_float32"})]}}
    write_keras_archive(tmp_path / "x.keras", config, {"e": []})
    with pytest.raises(NotImplementedError, match="does not support GPTQ quantization"):
        saving.load_model(tmp_path / "x.keras")


def test_round_trip_with_real_keras_when_installed(tmp_path):
    keras = pytest.importorskip("keras")
    k = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                          keras.layers.Dense(2)])
    k.save(tmp_path / "k.keras")
    ours = saving.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(ours.predict(X, verbose=0), k.predict(X, verbose=0), rtol=1e-5,
                               atol=1e-5)
    ours.save_weights(tmp_path / "ours.weights.h5")
    k.load_weights(tmp_path / "ours.weights.h5")


# ---- keys of newer Keras versions --------------------------------------------------------------
def _sequential(*layer_entries):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "s", "layers": [
                entry("InputLayer", {"batch_shape": [None, 4], "name": "i"}), *layer_entries]}}


def test_keras_3_15_initializer_keys_accepted(tmp_path):
    d = dense("d", 2, "linear")
    d["kernel_initializer"] = init("GlorotUniform", seed=None, input_axes=None, output_axes=None)
    w, b = RNG.normal(size=(4, 2)).astype("float32"), np.zeros(2, "float32")
    write_keras_archive(tmp_path / "g.keras", _sequential(entry("Dense", d)), {"dense": [w, b]})
    model = saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(model.predict(X, verbose=0), X @ w, rtol=1e-5, atol=1e-6)


def test_initializer_key_that_changes_results_is_refused_by_name(tmp_path):
    d = dense("d", 2, "linear")
    # an option cuflow's GlorotUniform does not take, set to a value that would matter
    d["kernel_initializer"] = init("GlorotUniform", seed=None, fan_axes=[0])
    write_keras_archive(tmp_path / "g.keras", _sequential(entry("Dense", d)), {"d": []})
    with pytest.raises(ValueError, match=r"GlorotUniform option fan_axes=\[0\]"):
        saving.load_model(tmp_path / "g.keras")


def _bn(**extra):
    return {"name": "bn", "trainable": True, "dtype": policy(), "axis": -1, "momentum": 0.99,
            "epsilon": 0.001, "center": True, "scale": True, "synchronized": False, **extra}


def test_batchnorm_renorm_options_unused_when_renorm_is_off(tmp_path):
    stats = [np.full(4, v, "float32") for v in (1.5, 0.5, 0.2, 4.0)]  # gamma beta mean var
    config = _sequential(entry("BatchNormalization", _bn(renorm=False, renorm_clipping=None,
                                                         renorm_momentum=0.99)))
    write_keras_archive(tmp_path / "b.keras", config, {"batch_normalization": stats})
    model = saving.load_model(tmp_path / "b.keras")
    expected = 1.5 * (X - 0.2) / np.sqrt(4.0 + 1e-3) + 0.5
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)
