"""tf.keras 2 whole-model HDF5 files (``model.save("model.h5")``): read, written, refused.

tf.keras is not installed here, so the reference files are written with h5py in the exact
layout of tf.keras 2's ``save_model_to_hdf5`` (root attributes ``keras_version``, ``backend``,
``model_config``, ``training_config``; group ``model_weights`` with ``layer_names`` and per-layer
``weight_names``; group ``optimizer_weights``), and the expected outputs come from NumPy.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import cuflow
from cuflow import saving
from cuflow.errors import UnsafeModelError

from ._helpers import functional_model

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(7)


# ---- writing reference files in the tf.keras 2 layout -------------------------------------------
def write_keras2(path, model_config, layer_weights, training_config=None, optimizer=None,
                 layer_names=None):
    """``layer_weights``: ``[(layer name, [(weight name, array)])]`` in model.layers order."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.9.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        mw = f.create_group("model_weights")
        names = layer_names if layer_names is not None else [n for n, _ in layer_weights]
        mw.attrs["layer_names"] = [n.encode("utf8") for n in names]
        mw.attrs["backend"] = "tensorflow"
        mw.attrs["keras_version"] = "2.9.0"
        for name, pairs in layer_weights:
            g = mw.create_group(name)
            g.attrs["weight_names"] = [wn.encode("utf8") for wn, _ in pairs]
            for wn, arr in pairs:
                g.create_dataset(wn, data=arr)
        if optimizer:
            og = f.create_group("optimizer_weights")
            og.attrs["weight_names"] = [wn.encode("utf8") for wn, _ in optimizer]
            for wn, arr in optimizer:
                og.create_dataset(wn, data=arr)
    return path


def init(name, **config):
    return {"class_name": name, "config": config}


def dense(name, units, activation="linear", **extra):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, **extra, "dtype": "float32", "units": units,
        "activation": activation, "use_bias": True,
        "kernel_initializer": init("GlorotUniform", seed=None),
        "bias_initializer": init("Zeros"), "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}}


def input_layer(name, shape):
    return {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, *shape], "dtype": "float32", "sparse": False,
        "ragged": False, "name": name}}


def batchnorm(name, axis):
    return {"class_name": "BatchNormalization", "config": {
        "name": name, "trainable": True, "dtype": "float32", "axis": [axis], "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True, "beta_initializer": init("Zeros"),
        "gamma_initializer": init("Ones"), "moving_mean_initializer": init("Zeros"),
        "moving_variance_initializer": init("Ones"), "beta_regularizer": None,
        "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}}


def node(*refs):
    return [[[name, 0, 0, {}] for name in refs]]


def f32(*shape):
    return RNG.normal(size=shape).astype("float32")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- a real tf.keras 2.9 config (from a public TensorFlow.js export of a Keras model) -----------
def test_real_keras_2_9_sequential_config(tmp_path):
    layers_cfg = [input_layer("dense_input", [10]),
                  dense("dense", 20, "swish", batch_input_shape=[None, 10]),
                  dense("dense_1", 15, "swish"), dense("dense_2", 10, "tanh"),
                  dense("dense_3", 1, "sigmoid")]
    model_config = {"class_name": "Sequential",
                    "config": {"name": "sequential", "layers": layers_cfg}}
    training_config = {
        "loss": "binary_crossentropy",
        "metrics": [[{"class_name": "MeanMetricWrapper",
                      "config": {"name": "accuracy", "dtype": "float32",
                                 "fn": "binary_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Adam", "config": {
            "name": "Adam", "learning_rate": 0.0010000000474974513, "decay": 0.0,
            "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "epsilon": 1e-07,
            "amsgrad": False}}}
    sizes = [10, 20, 15, 10, 1]
    ws = [(f32(a, b), f32(b)) for a, b in zip(sizes, sizes[1:])]
    names = ["dense", "dense_1", "dense_2", "dense_3"]
    write_keras2(tmp_path / "m.h5", model_config,
                 [(n, [(f"{n}/kernel:0", k), (f"{n}/bias:0", b)]) for n, (k, b) in zip(names,
                                                                                       ws)],
                 training_config)
    model = cuflow.models.load_model(tmp_path / "m.h5")
    x = f32(5, 10)
    h = x
    for i, (k, b) in enumerate(ws):
        z = h @ k + b
        h = z * sigmoid(z) if i < 2 else (np.tanh(z) if i == 2 else sigmoid(z))
    np.testing.assert_allclose(model.predict(x, verbose=0), h, rtol=1e-5, atol=1e-5)
    assert isinstance(model.optimizer, cuflow.optimizers.Adam)
    assert model.optimizer.beta_1 == pytest.approx(0.9)
    logs = model.evaluate(x, (h > 0.5).astype("float32"), verbose=0, return_dict=True)
    assert logs["accuracy"] == pytest.approx(1.0)


# ---- Sequential MLP with Dropout and BatchNormalization, legacy Adam state ----------------------
def test_sequential_mlp_dropout_batchnorm_and_optimizer_state(tmp_path):
    # tf.keras <= 2.3 style: no InputLayer entry, the first layer carries batch_input_shape
    model_config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        dense("dense", 6, "relu", batch_input_shape=[None, 4]),
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                             "dtype": "float32", "rate": 0.5,
                                             "noise_shape": None, "seed": None}},
        batchnorm("batch_normalization", 1),
        dense("dense_1", 3, "softmax")]}}
    k1, b1, k2, b2 = f32(4, 6), f32(6), f32(6, 3), f32(3)
    gamma, beta = f32(6), f32(6)
    mean, var = f32(6), np.abs(f32(6)) + 0.5
    bn = "batch_normalization"
    weights = [("dense", [("dense/kernel:0", k1), ("dense/bias:0", b1)]),
               ("dropout", []),
               (bn, [(f"{bn}/gamma:0", gamma), (f"{bn}/beta:0", beta),
                     (f"{bn}/moving_mean:0", mean), (f"{bn}/moving_variance:0", var)]),
               ("dense_1", [("dense_1/kernel:0", k2), ("dense_1/bias:0", b2)])]
    trainable = [("dense/kernel", k1), ("dense/bias", b1), (f"{bn}/gamma", gamma),
                 (f"{bn}/beta", beta), ("dense_1/kernel", k2), ("dense_1/bias", b2)]
    ms = {n: f32(*a.shape) * 0.01 for n, a in trainable}
    vs = {n: np.abs(f32(*a.shape)) * 0.01 for n, a in trainable}
    optimizer = [("Adam/iter:0", np.array(7, "int64"))] + \
        [(f"Adam/{n}/m:0", ms[n]) for n, _ in trainable] + \
        [(f"Adam/{n}/v:0", vs[n]) for n, _ in trainable]
    training_config = {"loss": "categorical_crossentropy", "metrics": ["accuracy"],
                       "weighted_metrics": None, "loss_weights": None,
                       "sample_weight_mode": None,
                       "optimizer_config": {"class_name": "Adam", "config": {
                           "lr": 0.01, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0,
                           "epsilon": 1e-07, "amsgrad": False}}}
    write_keras2(tmp_path / "m.h5", model_config, weights, training_config, optimizer)
    model = cuflow.models.load_model(tmp_path / "m.h5")
    assert [layer.name for layer in model.layers] == ["dense", "dropout", bn, "dense_1"]
    x = f32(8, 4)
    h = np.maximum(x @ k1 + b1, 0)
    h = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta
    z = h @ k2 + b2
    expected = np.exp(z - z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    opt = model.optimizer
    assert opt.learning_rate == pytest.approx(0.01)
    assert int(opt.iterations.numpy()) == 7
    by_name = {v.name: v for v in opt.variables}
    np.testing.assert_array_equal(by_name["dense_kernel_momentum"].numpy(), ms["dense/kernel"])
    np.testing.assert_array_equal(by_name[f"{bn}_beta_velocity"].numpy(), vs[f"{bn}/beta"])
    model.fit(x, expected, epochs=1, verbose=0)
    assert int(opt.iterations.numpy()) == 8


def test_unmatched_optimizer_state_warns_and_starts_fresh(tmp_path):
    model_config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        input_layer("in", [3]), dense("d", 2)]}}
    training_config = {"loss": "mse", "metrics": None,
                       "optimizer_config": {"class_name": "SGD", "config": {
                           "name": "SGD", "learning_rate": 0.1, "momentum": 0.9,
                           "nesterov": False, "decay": 0.0}}}
    write_keras2(tmp_path / "m.h5", model_config,
                 [("d", [("d/kernel:0", f32(3, 2)), ("d/bias:0", f32(2))])], training_config,
                 optimizer=[("SGD/iter:0", np.array(3, "int64")),
                            ("SGD/d/kernel/momentum:0", f32(3, 2))])  # the bias slot is lost
    with pytest.warns(UserWarning, match="starts fresh"):
        model = cuflow.models.load_model(tmp_path / "m.h5")
    assert int(model.optimizer.iterations.numpy()) == 0


# ---- Functional: two inputs, Concatenate and Add -----------------------------------------------
def test_functional_two_inputs_concatenate_add(tmp_path):
    model_config = {"class_name": "Functional", "config": {
        "name": "model", "layers": [
            {**input_layer("input_1", [4]), "name": "input_1", "inbound_nodes": []},
            {**input_layer("input_2", [3]), "name": "input_2", "inbound_nodes": []},
            {**dense("dense", 5, "tanh"), "name": "dense", "inbound_nodes": node("input_1")},
            {**dense("dense_1", 5, "relu"), "name": "dense_1",
             "inbound_nodes": node("input_2")},
            {"class_name": "Add", "config": {"name": "add", "trainable": True,
                                             "dtype": "float32"},
             "name": "add", "inbound_nodes": node("dense", "dense_1")},
            {"class_name": "Concatenate", "config": {"name": "concatenate", "trainable": True,
                                                     "dtype": "float32", "axis": -1},
             "name": "concatenate", "inbound_nodes": node("add", "dense")},
            {**dense("dense_2", 2), "name": "dense_2", "inbound_nodes": node("concatenate")}],
        "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
        "output_layers": [["dense_2", 0, 0]]}}
    ka, ba, kb, bb, kc, bc = f32(4, 5), f32(5), f32(3, 5), f32(5), f32(10, 2), f32(2)
    write_keras2(tmp_path / "f.h5", model_config, [
        ("input_1", []), ("input_2", []),
        ("dense", [("dense/kernel:0", ka), ("dense/bias:0", ba)]),
        ("dense_1", [("dense_1/kernel:0", kb), ("dense_1/bias:0", bb)]),
        ("add", []), ("concatenate", []),
        ("dense_2", [("dense_2/kernel:0", kc), ("dense_2/bias:0", bc)])])
    model = cuflow.models.load_model(tmp_path / "f.h5")
    x1, x2 = f32(6, 4), f32(6, 3)
    a = np.tanh(x1 @ ka + ba)
    b = np.maximum(x2 @ kb + bb, 0)
    expected = np.concatenate([a + b, a], axis=-1) @ kc + bc
    np.testing.assert_allclose(model.predict([x1, x2], verbose=0), expected, rtol=1e-5,
                               atol=1e-5)
    assert model.compiled is False or model.optimizer is None  # no training_config


# ---- Conv2D + MaxPooling CNN --------------------------------------------------------------------
def conv_valid(x, k, b):
    n, h, w, _ = x.shape
    kh, kw, _, co = k.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, co), "float64")
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            out[:, i, j] = np.einsum("nhwc,hwco->no", x[:, i:i + kh, j:j + kw], k)
    return out + b


def test_conv2d_maxpooling_cnn(tmp_path):
    conv = {"class_name": "Conv2D", "config": {
        "name": "conv2d", "trainable": True, "batch_input_shape": [None, 6, 6, 2],
        "dtype": "float32", "filters": 3, "kernel_size": [3, 3], "strides": [1, 1],
        "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
        "groups": 1, "activation": "relu", "use_bias": True,
        "kernel_initializer": init("GlorotUniform", seed=None),
        "bias_initializer": init("Zeros"), "kernel_regularizer":
            init("L2", l2=0.009999999776482582), "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}
    pool = {"class_name": "MaxPooling2D", "config": {
        "name": "max_pooling2d", "trainable": True, "dtype": "float32", "pool_size": [2, 2],
        "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}}
    flat = {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True,
                                                "dtype": "float32",
                                                "data_format": "channels_last"}}
    model_config = {"class_name": "Sequential", "config": {"name": "cnn", "layers": [
        input_layer("conv2d_input", [6, 6, 2]), conv, pool, flat, dense("dense", 2)]}}
    kc, bc, kd, bd = f32(3, 3, 2, 3), f32(3), f32(12, 2), f32(2)
    write_keras2(tmp_path / "c.h5", model_config, [
        ("conv2d", [("conv2d/kernel:0", kc), ("conv2d/bias:0", bc)]),
        ("max_pooling2d", []), ("flatten", []),
        ("dense", [("dense/kernel:0", kd), ("dense/bias:0", bd)])])
    model = cuflow.models.load_model(tmp_path / "c.h5")
    x = f32(2, 6, 6, 2)
    h = np.maximum(conv_valid(x, kc, bc), 0)
    h = h.reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4))
    expected = h.reshape(2, -1) @ kd + bd
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)
    assert model.layers[0].kernel_regularizer is not None


# ---- LSTM ---------------------------------------------------------------------------------------
def test_lstm_model(tmp_path):
    lstm = {"class_name": "LSTM", "config": {
        "name": "lstm", "trainable": True, "batch_input_shape": [None, 5, 3],
        "dtype": "float32", "return_sequences": False, "return_state": False,
        "go_backwards": False, "stateful": False, "unroll": False, "time_major": False,
        "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
        "kernel_initializer": init("GlorotUniform", seed=None),
        "recurrent_initializer": init("Orthogonal", gain=1.0, seed=None),
        "bias_initializer": init("Zeros"), "unit_forget_bias": True,
        "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None,
        "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0,
        "recurrent_dropout": 0.0, "implementation": 2}}
    model_config = {"class_name": "Sequential", "config": {"name": "rnn", "layers": [
        input_layer("lstm_input", [5, 3]), lstm, dense("dense", 1)]}}
    k, rk, b = f32(3, 16) * 0.5, f32(4, 16) * 0.5, f32(16) * 0.5
    kd, bd = f32(4, 1), f32(1)
    write_keras2(tmp_path / "l.h5", model_config, [
        ("lstm", [("lstm/lstm_cell/kernel:0", k), ("lstm/lstm_cell/recurrent_kernel:0", rk),
                  ("lstm/lstm_cell/bias:0", b)]),
        ("dense", [("dense/kernel:0", kd), ("dense/bias:0", bd)])])
    model = cuflow.models.load_model(tmp_path / "l.h5")
    x = f32(2, 5, 3)
    h = c = np.zeros((2, 4))
    for t in range(5):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = sigmoid(z[:, :4]), sigmoid(z[:, 4:8]), np.tanh(z[:, 8:12]), \
            sigmoid(z[:, 12:])
        c = f * c + i * g
        h = o * np.tanh(c)
    np.testing.assert_allclose(model.predict(x, verbose=0), h @ kd + bd, rtol=1e-4,
                               atol=1e-5)


# ---- cuflow writes the layout and reads it back -------------------------------------------------
def test_round_trip_continues_training_identically(tmp_path):
    model = functional_model()
    model.compile(optimizer=cuflow.optimizers.Adam(0.01), loss=["mse", "mse"],
                  metrics=[["mae"], ["mae"]])
    xa, xb = f32(16, 4), f32(16, 4)
    ys = [f32(16, 2), f32(16, 1)]
    model.fit([xa, xb], ys, epochs=1, batch_size=8, verbose=0, shuffle=False)
    path = tmp_path / "model.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Functional"
        entries = {e["name"]: e for e in config["config"]["layers"]}
        assert entries["cat"]["inbound_nodes"] == [[["shared", 0, 0, {}],
                                                    ["shared", 1, 0, {}]]]
        assert entries["in_a"]["config"]["batch_input_shape"] == [None, 4]
        assert json.loads(f.attrs["training_config"])["optimizer_config"]["class_name"] == \
            "Adam"
        assert list(f["model_weights"].attrs["layer_names"].astype(str))[:2] == ["in_a",
                                                                               "in_b"]
        assert list(f["model_weights/shared"].attrs["weight_names"].astype(str)) == \
            ["shared/kernel:0", "shared/bias:0"]
        assert "optimizer_weights" in f
    loaded = cuflow.models.load_model(path)
    for a, b in zip(model.predict([xa, xb], verbose=0), loaded.predict([xa, xb], verbose=0)):
        np.testing.assert_array_equal(a, b)
    for m in (model, loaded):
        m.fit([xa, xb], ys, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_sequential_round_trip_with_save_format(tmp_path):
    from ._helpers import sequential_model

    model = sequential_model()
    model.compile(optimizer="rmsprop", loss="mse")
    x = RNG.integers(0, 10, size=(4, 6))
    model.save(tmp_path / "seq.model", save_format="h5")
    loaded = cuflow.models.load_model(tmp_path / "seq.model")  # found by its HDF5 signature
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert isinstance(loaded.optimizer, cuflow.optimizers.RMSprop)
    with pytest.raises(ValueError, match="SavedModel"):
        model.save(tmp_path / "x", save_format="tf")


def test_without_h5py_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"cuflow\[h5\]"):
        functional_model().save(tmp_path / "m.h5")


def test_weights_only_file_is_explained(tmp_path):
    model = functional_model()
    model.save_weights(tmp_path / "w.weights.h5")
    os.rename(tmp_path / "w.weights.h5", tmp_path / "w.h5")
    with pytest.raises(ValueError, match="weights only"):
        cuflow.models.load_model(tmp_path / "w.h5")


# ---- hostile files ------------------------------------------------------------------------------
@pytest.fixture
def no_exec(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    return calls


def simple_config(layer):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        input_layer("in", [3]), layer]}}


def test_model_config_naming_os_system(tmp_path, no_exec):
    path = write_keras2(tmp_path / "m.h5", simple_config(
        {"class_name": "os.system", "config": {"command": "touch pwned"}}), [])
    with pytest.raises(UnsafeModelError):
        cuflow.models.load_model(path)
    path = write_keras2(tmp_path / "n.h5", {"class_name": "Sequential", "config": {
        "name": "s", "layers": [{"class_name": "Dense", "module": "os", "config": {
            "units": 2, "name": "d", "activation": "os.system"}}]}}, [])
    with pytest.raises(UnsafeModelError):
        cuflow.models.load_model(path)
    assert no_exec == [] and not os.path.exists("pwned")


def test_lambda_with_bytecode_is_refused(tmp_path, no_exec):
    lam = {"class_name": "Lambda", "config": {
        "name": "lambda", "trainable": True, "dtype": "float32",
        "function": ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAqQHaAXhyAgAA",
                     None, None],
        "function_type": "lambda", "module": "__main__", "output_shape": None,
        "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}
    path = write_keras2(tmp_path / "m.h5", simple_config(lam), [])
    with pytest.raises(UnsafeModelError, match="bytecode") as info:
        cuflow.models.load_model(path)
    assert "'lambda'" in str(info.value) and "never executes" in str(info.value)
    assert no_exec == []


def test_absurd_sizes_are_refused(tmp_path):
    path = write_keras2(tmp_path / "u.h5", simple_config(dense("d", 10 ** 12)), [])
    with pytest.raises(UnsafeModelError, match="units"):
        cuflow.models.load_model(path)
    path = tmp_path / "big.h5"
    write_keras2(path, simple_config(dense("d", 2)), [("d", [])])
    with h5py.File(path, "a") as f:  # declared, never written: the file stays small
        f["model_weights/d"].create_dataset("d/kernel:0", shape=(1 << 40, 1 << 10), dtype="f4")
        f["model_weights/d"].attrs["weight_names"] = [b"d/kernel:0"]
    assert os.path.getsize(path) < 1 << 20
    with pytest.raises(UnsafeModelError, match="too large"):
        cuflow.models.load_model(path)


def test_shape_mismatch_is_checked_before_assignment(tmp_path):
    path = write_keras2(tmp_path / "m.h5", simple_config(dense("d", 2)),
                        [("d", [("d/kernel:0", f32(4, 2)), ("d/bias:0", f32(2))])])
    with pytest.raises(ValueError, match=r"expected shape \(3, 2\), received \(4, 2\)"):
        cuflow.models.load_model(path)


def test_layer_names_pointing_at_a_missing_group(tmp_path):
    path = write_keras2(tmp_path / "m.h5", simple_config(dense("d", 2)),
                        [("d", [("d/kernel:0", f32(3, 2)), ("d/bias:0", f32(2))])],
                        layer_names=["d", "ghost"])
    with pytest.raises(ValueError, match="'ghost' is listed in layer_names"):
        cuflow.models.load_model(path)


def test_truncated_file(tmp_path):
    path = write_keras2(tmp_path / "m.h5", simple_config(dense("d", 2)),
                        [("d", [("d/kernel:0", f32(3, 2)), ("d/bias:0", f32(2))])])
    data = path.read_bytes()
    for cut in (len(data) // 2, 100):
        (tmp_path / "t.h5").write_bytes(data[:cut])
        with pytest.raises(ValueError):
            cuflow.models.load_model(tmp_path / "t.h5")


def test_oversized_config_attribute(tmp_path, monkeypatch):
    from cuflow.saving import keras2_h5

    path = write_keras2(tmp_path / "m.h5", simple_config(dense("d", 2)),
                        [("d", [("d/kernel:0", f32(3, 2)), ("d/bias:0", f32(2))])])
    monkeypatch.setattr(keras2_h5, "MAX_ATTR_BYTES", 64)
    with pytest.raises(UnsafeModelError, match="model_config"):
        saving.load_model(path)
