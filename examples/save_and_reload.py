"""Train, save to a .cuflow file, reload, and check the reloaded model predicts the same."""

import os
import tempfile

import numpy as np

import cuflow
from cuflow import layers
from cuflow.datasets import digits
from cuflow.models import Sequential, load_model

EPOCHS = int(os.environ.get("CUFLOW_EXAMPLE_EPOCHS", 5))

(x_train, y_train), (x_test, y_test) = digits.load_data()
x_train, x_test = x_train / 16.0, x_test / 16.0
model = Sequential([layers.Input(shape=(8, 8)), layers.Flatten(),
                    layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=EPOCHS, verbose=0)

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "digits.cuflow")
    model.save(path)
    restored = load_model(path)
    same = np.array_equal(model.predict(x_test, verbose=0), restored.predict(x_test, verbose=0))
    print(f"saved {os.path.getsize(path):,} bytes; reloaded predictions identical: {same}")
    restored.fit(x_train, y_train, epochs=1, verbose=0)  # resumes with the optimizer state
    print(f"test accuracy after one more epoch: "
          f"{restored.evaluate(x_test, y_test, verbose=0)[1]:.3f}")
    assert same
del cuflow
