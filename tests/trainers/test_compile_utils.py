"""CompileState, CompileLoss / CompileMetrics (tf.keras 2's compiled_loss / compiled_metrics),
and the compile arguments to and from their config."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as keras
from cuflow import layers, metrics
from cuflow.trainers import compile_utils

from ._data import two_class as data


def test_tf_keras2_style_compiled_loss_and_metrics():
    class Model2(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2, activation="softmax")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.compiled_loss(y, y_pred)
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(1)
    model = Model2()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = data()
    hist = model.fit(x, y, epochs=6, batch_size=32, verbose=0, validation_split=0.25)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} == set(hist.history)
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    np.testing.assert_allclose(results["accuracy"], np.mean(p.argmax(1) == y), rtol=1e-6)


def _t(a):
    return keras.Tensor(np.asarray(a, "float32"))


def test_losses_resolve_at_compile_and_plain_functions_are_wrapped():
    state = compile_utils.CompileState({"a": "mse", "b": lambda y, p: (y - p) ** 2})
    assert isinstance(state.loss_spec["a"], keras.losses.Loss)
    assert isinstance(state.loss_spec["b"], keras.losses.LossFunctionWrapper)
    with pytest.raises(ValueError, match="Unknown loss 'nope'"):
        compile_utils.CompileState("nope")


def test_weighted_loss_of_two_outputs_against_numpy():
    y1, p1 = np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]])
    y2, p2 = np.array([[0.5], [0.0]]), np.array([[1.5], [1.0]])
    state = compile_utils.CompileState(["mse", "mae"], loss_weights=[2.0, 0.5])
    ys, preds = state.prepare([_t(y1), _t(y2)], [_t(p1), _t(p2)], ["out1", "out2"])
    total, per_output = state.loss_terms(ys, preds, None)
    mse, mae = np.mean((y1 - p1) ** 2), np.mean(np.abs(y2 - p2))
    np.testing.assert_allclose(float(total.numpy()), 2.0 * mse + 0.5 * mae, rtol=1e-6)
    np.testing.assert_allclose([float(v.numpy()) for v in per_output], [mse, mae], rtol=1e-6)
    state.record_losses(total, per_output, 2)
    assert [n for n, _ in state.named_metrics()] == ["loss", "out1_loss", "out2_loss"]


def test_per_output_arguments_and_their_errors():
    names = ["a", "b"]
    assert compile_utils.per_output({"b": 1}, names, "loss") == [None, 1]
    assert compile_utils.per_output("mse", names, "loss") == ["mse", "mse"]
    with pytest.raises(ValueError, match=r"names unknown output\(s\) \['c'\]"):
        compile_utils.per_output({"c": 1}, names, "loss")
    with pytest.raises(ValueError, match="received 1 losses for a model with 2 outputs"):
        compile_utils.per_output(["mse"], names, "loss")
    with pytest.raises(ValueError, match=r"lacks output\(s\) \['b'\]"):
        compile_utils.flat_targets({"a": 1}, names)
    with pytest.raises(ValueError, match="2 output"):
        compile_utils.flat_targets([1, 2, 3], names)
    assert compile_utils.output_names_for([1, 2], ["x"]) == ["output_1", "output_2"]


def test_metrics_build_on_first_batch_and_logs_follow_keras3_order():
    state = compile_utils.CompileState("sparse_categorical_crossentropy",
                                       metrics=["accuracy", metrics.MeanAbsoluteError(name="m")])
    assert state.compiled_metrics is None and state.has_metrics
    y, p = _t([0, 1]), _t([[0.9, 0.1], [0.2, 0.8]])
    ys, preds = state.prepare(y, p)
    assert [n for n, _, _, _ in state.compiled_metrics] == ["accuracy", "m"]
    state.update_metrics(ys, preds, None)
    assert float(state.compiled_metrics[0][1].result().numpy()) == 1.0
    logs = {"z": 3, "m": 2, "loss": 0, "accuracy": 1}
    assert state.logs_in_order(logs) == [0, 1, 2, 3]


def test_a_model_without_any_loss_is_refused_at_the_first_step():
    state = compile_utils.CompileState(None)
    ys, preds = state.prepare(_t([1.0]), _t([1.0]))
    with pytest.raises(ValueError, match="no loss for any output"):
        state.loss_terms(ys, preds, None)


def test_compile_config_round_trip():
    model = keras.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.Huber(delta=2.0),
                  metrics=["mae", metrics.MeanSquaredError(name="mse2")], loss_weights=[1.0])
    config = model.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["loss"]["class_name"] == "Huber" and config["metrics"][0] == "mae"
    args = compile_utils.compile_args_from_config(config)
    assert isinstance(args["optimizer"], keras.optimizers.Adam)
    assert args["loss"].get_config()["delta"] == 2.0
    assert args["metrics"][1].name == "mse2" and args["loss_weights"] == [1.0]
    assert compile_utils.loss_from_config("mine", {"mine": np.abs}) is np.abs


def test_weighted_metrics_use_sample_weights_and_are_logged_as_keras_names():
    model = keras.models.Sequential([layers.Input((3,)),
                                     layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mae"],
                  weighted_metrics=["mae", "mse", "mae"])
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    y = np.zeros((4, 1), "float32")
    sw = np.array([1.0, 0.0, 2.0, 1.0], "float32")
    logs = model.evaluate(x, y, sample_weight=sw, return_dict=True, verbose=0)
    err = x.astype(np.float64).sum(axis=1)
    mae, wmae = err.mean(), (sw * err).sum() / sw.sum()
    want = {"loss": (sw * err ** 2).sum() / 4, "mae": mae, "mae_1": mae, "weighted_mae": wmae,
            "mse": (sw * err ** 2).sum() / sw.sum(), "weighted_mae_1": wmae}
    assert sorted(logs) == sorted(want)
    for k, v in want.items():
        np.testing.assert_allclose(logs[k], v, rtol=1e-5, err_msg=k)
    hist = model.fit(x, y, sample_weight=sw, epochs=1, verbose=0)
    assert sorted(hist.history) == sorted(want)
