"""CompileState, CompileLoss / CompileMetrics (tf.keras 2's compiled_loss / compiled_metrics),
and the compile arguments to and from their config."""

from __future__ import annotations

import numpy as np

import cuflow as keras
from cuflow import layers

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
