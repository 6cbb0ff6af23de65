"""A custom training loop with GradientTape, as written for tf.keras."""

import os

import numpy as np

import cuflow as tf
from cuflow import layers, losses, metrics, optimizers
from cuflow.datasets import digits

EPOCHS = int(os.environ.get("CUFLOW_EXAMPLE_EPOCHS", 10))

tf.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = digits.load_data()
x_train = (x_train / 16.0).reshape(-1, 64).astype("float32")
x_test = (x_test / 16.0).reshape(-1, 64).astype("float32")

model = tf.models.Sequential([layers.Input(shape=(64,)), layers.Dense(64, activation="relu"),
                              layers.Dense(10)])
loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = optimizers.Adam(learning_rate=1e-2)
train_acc = metrics.SparseCategoricalAccuracy()

for epoch in range(EPOCHS):
    order = np.random.default_rng(epoch).permutation(len(x_train))
    for start in range(0, len(order), 64):
        idx = order[start:start + 64]
        with tf.GradientTape() as tape:
            logits = model(x_train[idx], training=True)
            loss = loss_fn(y_train[idx], logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc.update_state(y_train[idx], logits)
    print(f"epoch {epoch + 1}: loss {float(loss):.4f}, train accuracy "
          f"{float(train_acc.result()):.3f}")
    train_acc.reset_state()

test_logits = model(x_test)
print(f"test accuracy: {np.mean(test_logits.numpy().argmax(1) == y_test):.3f}")
