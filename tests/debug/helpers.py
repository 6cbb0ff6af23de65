"""Small models and data shared by the debug tests (seeded, a few hundred parameters)."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow import layers
from cuflow.models import Sequential


def data(n=32, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = rng.integers(0, classes, n).astype("int64")
    return x, y


def mlp(seed=0, features=6, classes=3, dropout=0.0, optimizer="adam", compile=True):
    cuflow.utils.set_random_seed(seed)
    stack = [layers.Input(shape=(features,)), layers.Dense(8, activation="tanh")]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(classes, activation="softmax"))
    model = Sequential(stack)
    if compile:
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def weights_equal(a, b):
    return len(a) == len(b) and all(x.dtype == y.dtype and np.array_equal(x, y)
                                    for x, y in zip(a, b))
