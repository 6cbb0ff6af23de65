"""Data and models the trainer tests share."""

from __future__ import annotations

import numpy as np

from cuflow.layers import Dense, Input
from cuflow.models import Sequential


def blobs(n=300, d=8, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    y = rng.integers(0, k, size=n)
    x = (centers[y] + rng.normal(size=(n, d))).astype("float32")
    return x, y


def mlp(d=8, k=3, activation="softmax"):
    return Sequential([Input(shape=(d,)), Dense(16, activation="relu"),
                       Dense(k, activation=activation)])


def two_class(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("int64")
    return x, y
