"""NaN bundles from ``fit(nan_bundle=...)`` and ``cuflow.debug.replay``."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cuflow
from cuflow import layers
from cuflow.callbacks import TerminateOnNaN
from cuflow.debug import Bundle, replay, save_bundle
from cuflow.layers import Layer
from cuflow.models import Sequential

from .helpers import data, mlp, weights_equal


class InfAt(Layer):
    """Divides column ``col`` by zero once the running batch counter reaches ``after``."""

    def __init__(self, col=1, after=0, **kwargs):
        super().__init__(**kwargs)
        self.col, self.after, self.calls = col, after, 0

    def call(self, x):
        self.calls += 1
        if self.calls <= self.after:
            return x
        mask = np.zeros(x.shape[-1], "float32")
        mask[self.col] = 1.0
        with np.errstate(all="ignore"):  # the point is the Inf: no warning
            return x / cuflow.Tensor(1.0 - mask, device=x.device)  # x / 0 at column col


def _planted_model(after=0):
    cuflow.utils.set_random_seed(0)
    model = Sequential([layers.Input(shape=(6,)), layers.Dense(5, activation="relu", name="d1"),
                        InfAt(after=after, name="bad"), layers.Dense(3, activation="softmax",
                                                                     name="out")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on the planted Inf
def test_nan_bundle_saves_the_failing_step_and_stops(tmp_path, capsys):
    path = tmp_path / "nan.npz"
    model = _planted_model(after=2)
    x, y = data(64)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, nan_bundle=str(path),
                        callbacks=[TerminateOnNaN()])
    assert path.exists()
    assert len(history.history["loss"]) == 1  # stopped in the first epoch
    assert "saved the step" in capsys.readouterr().out
    b = Bundle(str(path))
    assert b.x.shape == (8, 6) and b.y.shape == (8,)
    assert b.meta["weight_names"] == [w.name for w in model.weights]
    # the update was skipped: the bundle holds the model's current (pre-step) weights
    assert weights_equal(b.weights, model.get_weights())
    iterations = int(model.optimizer.iterations.numpy())
    assert iterations >= 1 and int(b.optimizer_store["0"]) == iterations  # good steps only
    assert "bit_generator" in b.random_state["host"]
    assert "note" not in b.random_state  # the pre-step state of a later step is known
    with np.load(path, allow_pickle=False) as z:  # no pickles anywhere
        assert all(z[k].dtype != object for k in z.files)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_replay_names_the_planted_layer(tmp_path):
    path = tmp_path / "nan.npz"
    model = _planted_model(after=1)
    x, y = data(32)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, nan_bundle=str(path))
    before = model.get_weights()
    lines = []
    report = replay(str(path), model=model, print_fn=lines.append)
    assert report.layer_name == "bad"
    assert "non-finite" in report.reason
    assert [r["layer"] for r in report.table][:3] == ["d1", "bad", "out"]
    assert report.table[0]["nonfinite"] == 0 and report.table[1]["nonfinite"] > 0
    assert "First problem: bad" in lines[0]
    assert weights_equal(before, model.get_weights())


def test_finite_step_saves_nothing(tmp_path):
    path = tmp_path / "nan.npz"
    model = mlp()
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, nan_bundle=str(path))
    assert not path.exists()


def test_replay_rebuilds_from_config_and_names_the_first_layer(tmp_path):
    model = mlp()
    x, y = data(8)
    weights = model.get_weights()
    weights[0][0, 0] = np.nan  # a bad weight: the first layer's output is the first non-finite
    model.set_weights(weights)
    path = save_bundle(str(tmp_path / "b.npz"), model, x, y)
    cfg = json.loads(str(np.load(path, allow_pickle=False)["model_config"][()]))
    assert cfg["class_name"] == "Sequential"
    report = replay(path, print_fn=None)  # no model: rebuilt from the bundle's config
    assert report.layer_name == model.layers[0].name


def test_replay_of_a_healthy_step_finds_nothing(tmp_path):
    model = mlp(dropout=0.5)
    path = save_bundle(str(tmp_path / "ok.npz"), model, *data(8))
    report = replay(path, model=model, print_fn=None)
    assert report.layer_name is None and "finite" in report.reason


def test_replay_is_repeatable_and_leaves_generators_alone(tmp_path):
    model = mlp(dropout=0.5)
    path = save_bundle(str(tmp_path / "ok.npz"), model, *data(8))
    bk = model.weights[0]._backend
    before = bk._rng.bit_generator.state
    a = replay(path, model=model, print_fn=None)
    b = replay(path, model=model, print_fn=None)
    assert [r["max_abs"] for r in a.table] == [r["max_abs"] for r in b.table]
    assert bk._rng.bit_generator.state == before


def test_custom_layer_without_config_needs_the_model(tmp_path):
    model = _planted_model()
    path = save_bundle(str(tmp_path / "b.npz"), model, *data(8))
    with pytest.raises(ValueError, match="model="):
        replay(path, print_fn=None)


def test_not_a_bundle(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.ones(2))
    with pytest.raises((ValueError, KeyError)):
        Bundle(str(path))


@pytest.mark.gpu
def test_replay_compares_cpu_and_gpu(tmp_path):
    with cuflow.device("gpu"):
        model = _planted_model(after=1)
    path = tmp_path / "nan.npz"
    model.fit(*data(32), batch_size=8, epochs=1, verbose=0, nan_bundle=str(path))
    report = replay(str(path), model=model, print_fn=None)
    assert report.devices == ["cpu", "gpu:0"]
    assert report.layer_name == "bad"
    gpu_rows = [r for r in report.table if r["device"] == "gpu:0" and r["layer"] == "d1"]
    assert gpu_rows[0]["vs_cpu"] < 1e-4
    assert model.device == "gpu:0"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_in_the_data_is_blamed_on_the_data(tmp_path):
    path = tmp_path / "nan.npz"
    model = mlp()
    x, y = data(16)
    x[3, 2] = np.nan
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, nan_bundle=str(path))
    lines = []
    report = replay(str(path), model=model, print_fn=lines.append)
    assert report.layer_name == "(x)"
    assert "the batch's x holds 1 non-finite value(s): the NaN came in with the data" in \
        report.reason
    assert "First problem: (x)" in lines[0]


def test_the_report_prints_once_in_a_repl(tmp_path):
    path = tmp_path / "ok.npz"
    model = mlp()
    x, y = data(8)
    save_bundle(str(path), model, x, y)
    lines = []
    report = replay(str(path), model=model, print_fn=lines.append)
    assert len(lines) == 1 and "NaN replay on" in lines[0]  # the table, printed once
    assert repr(report) == "<ReplayReport no problem found>"  # what a REPL echoes after it
