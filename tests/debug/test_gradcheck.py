"""``model.check_gradients``: float64 central differences per layer; a planted wrong backward is
flagged at its layer."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import layers
from cuflow.layers import Layer
from cuflow.models import Model, Sequential
from cuflow.ops._core import record

from .helpers import data, mlp


class DoubledGrad(Layer):
    """Identity forward, backward scaled by 2: a deliberately wrong gradient."""

    def call(self, x):
        return record(x.data * 1, (x,), lambda g: (2 * g,), "doubled_grad")


def _rows(lines):
    return {ln.split()[0]: ln.split()[-1] for ln in "\n".join(lines).splitlines()[3:]}


def test_correct_model_passes_and_weights_are_restored():
    model = mlp(dropout=0.3)
    x, y = data(10)
    before = [(w.data, w.dtype) for w in model.weights]
    lines = []
    worst = model.check_gradients(x, y, print_fn=lines.append)
    assert worst < 1e-5
    assert set(_rows(lines).values()) == {"ok"}
    assert all(w.data is a and w.dtype == d for w, (a, d) in zip(model.weights, before))
    assert all(w.dtype == np.float32 for w in model.weights)


def test_planted_wrong_backward_is_flagged_at_its_layer():
    cuflow.utils.set_random_seed(0)
    model = Sequential([layers.Input(shape=(5,)), layers.Dense(6, activation="tanh"),
                        DoubledGrad(name="planted"), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 5)), rng.standard_normal((6, 2))
    lines = []
    worst = model.check_gradients(x, y, print_fn=lines.append)
    rows = _rows(lines)
    assert rows["planted"] == "MISMATCH"
    assert rows[model.layers[0].name] == "MISMATCH"  # upstream of the bad backward
    assert rows[model.layers[2].name] == "ok"        # downstream is unaffected
    assert worst > 0.1


def test_functional_model_with_two_inputs():
    cuflow.utils.set_random_seed(1)
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(2,))
    h = layers.Concatenate()([layers.Dense(4, activation="relu")(a), b])
    out = layers.Dense(1, activation="sigmoid")(h)
    model = Model([a, b], out)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((8, 3)).astype("float32"),
          rng.standard_normal((8, 2)).astype("float32")]
    y = rng.integers(0, 2, (8, 1)).astype("float32")
    assert model.check_gradients(xs, y, max_samples=3, print_fn=lambda s: None) < 1e-5


def test_conv_model_samples_entries():
    cuflow.utils.set_random_seed(2)
    model = Sequential([layers.Input(shape=(6, 6, 2)), layers.Conv2D(3, 3, activation="tanh"),
                        layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 6, 6, 2)).astype("float32")
    y = rng.standard_normal((3, 2)).astype("float32")
    assert model.check_gradients(x, y, print_fn=lambda s: None) < 1e-4


def test_check_gradients_needs_compile():
    model = mlp(compile=False)
    with pytest.raises(Exception, match="compile"):
        model.check_gradients(*data(4))
