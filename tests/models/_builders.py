"""Models the tests of this folder share."""

from __future__ import annotations

from cuflow.layers import Dense
from cuflow.models import Sequential


def article_model():
    model = Sequential()
    model.add(Dense(64, input_dim=100, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    return model
