"""Custom train_step / test_step as Keras guides write them (Keras 3 and tf.keras 2 styles)."""

from __future__ import annotations

import numpy as np

import cuflow as keras
from cuflow import layers, metrics


def data(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("int64")
    return x, y


def test_keras3_style_custom_train_step_learns_and_logs():
    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(6,))
    outputs = layers.Dense(2, activation="softmax")(layers.Dense(16, activation="relu")(inputs))
    model = CustomModel(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data()
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert set(hist.history) == {"accuracy", "loss"}
    assert hist.history["accuracy"][-1] > 0.85
    assert hist.history["loss"][-1] < hist.history["loss"][0]


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


def test_own_trackers_in_overridden_metrics_are_reset_each_epoch():
    seen = []

    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)
            self.total = metrics.Sum(name="seen")

        def call(self, x):
            return self.d(x)

        @property
        def metrics(self):
            return [self.total]

        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                loss = keras.ops.mean((self(x) - y) ** 2)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.total.update_state(np.float32(len(x)))
            seen.append(float(self.total.result()))
            return {"seen": self.total.result(), "mse": loss}

    model = Tracked()
    model.compile(optimizer="sgd")
    x = np.ones((10, 2), dtype="float32")
    hist = model.fit(x, np.ones((10, 1), dtype="float32"), batch_size=5, epochs=2, verbose=0)
    assert seen == [5.0, 10.0, 5.0, 10.0]  # reset at the start of each epoch
    assert hist.history["seen"] == [10.0, 10.0]
    assert "mse" in hist.history


def test_builtin_steps_are_callable_with_keras_data_tuples():
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data(16)
    logs = model.train_step((keras.Tensor(x), keras.Tensor(y)))
    assert set(logs) == {"accuracy", "loss"}
    assert model.predict_step((keras.Tensor(x),)).shape == (16, 2)
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
