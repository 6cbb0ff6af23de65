"""An MNIST-style classifier on the UCI digits shipped with cuflow (8×8 images, offline)."""

import os

import cuflow
from cuflow import layers
from cuflow.datasets import digits
from cuflow.models import Sequential

EPOCHS = int(os.environ.get("CUFLOW_EXAMPLE_EPOCHS", 30))

cuflow.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = digits.load_data()
x_train, x_test = x_train / 16.0, x_test / 16.0

model = Sequential([
    layers.Input(shape=(8, 8)),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.1),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2,
          callbacks=[cuflow.callbacks.EarlyStopping(patience=5, restore_best_weights=True)])
loss, acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {acc:.3f}")
