"""``set_device("auto", measure=True)``: the next fit times each device and picks the faster."""

from __future__ import annotations

import pytest

import cuflow
from cuflow.backend import selection
from cuflow.debug import device_pick, measure_devices

from .helpers import data, mlp, weights_equal


@pytest.fixture(autouse=True)
def _restore_device():
    before = selection._default
    yield
    selection._default = before
    selection._measure_pending = False


def test_measure_flag_is_pending_until_the_next_fit(capsys):
    cuflow.set_device("auto", measure=True)
    assert selection._measure_pending
    model = mlp()
    x, y = data(32)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert not selection._measure_pending  # consumed by one fit
    out = capsys.readouterr().out
    assert "cpu:" in out and "ms/step" in out and "→ cpu" in out
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert "ms/step" not in capsys.readouterr().out


def test_plain_set_device_clears_the_request():
    cuflow.set_device("auto", measure=True)
    cuflow.set_device("cpu")
    assert not selection._measure_pending


def test_measure_needs_auto():
    with pytest.raises(ValueError, match="auto"):
        cuflow.set_device("cpu", measure=True)


def test_measurement_does_not_train_the_model():
    model = mlp(dropout=0.3)
    x, y = data(32)
    before = model.get_weights()
    figures = measure_devices(model, x, y, batch_size=8)
    assert list(figures) == ["cpu"] and figures["cpu"] > 0
    assert weights_equal(before, model.get_weights())
    assert int(model.optimizer.iterations.numpy()) == 0


def test_measured_fit_equals_an_unmeasured_one():
    def run(measure):
        model = mlp(seed=4, dropout=0.2)
        x, y = data(32)
        if measure:
            cuflow.set_device("auto", measure=True)
        cuflow.utils.set_random_seed(9)
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        return model.get_weights()

    assert weights_equal(run(True), run(False))


def test_figure_line_and_choice_with_a_fake_second_device(monkeypatch, capsys):
    # a second "device" that is really the CPU but reports a faster step: the choice follows
    # the figures, and moving to it goes through Model.to
    monkeypatch.setattr(device_pick, "measure_devices",
                        lambda model, x, y, bs: {"cpu": 2e-3, "gpu:0": 5e-4})
    moved = []
    model = mlp()
    monkeypatch.setattr(type(model), "to", lambda self, dev: moved.append(dev) or self)
    monkeypatch.setattr(selection, "set_device", lambda spec, measure=False: spec)
    selection._measure_pending = True
    best = device_pick.pick_device(model, *data(8), 8)
    assert best == "gpu:0" and moved == ["gpu:0"]
    assert capsys.readouterr().out.strip() == "cpu: 2.00 ms/step, gpu:0: 0.50 ms/step → gpu:0"


def test_generators_are_not_measured(caplog):
    model = mlp()

    def gen():
        x, y = data(8)
        while True:
            yield x, y

    selection._measure_pending = True
    assert device_pick.pick_device(model, gen(), None, None) is None
    assert not selection._measure_pending


def test_cli_fastest_requests_measurement(monkeypatch):
    from cuflow import cli
    from cuflow.backend import selection
    from cuflow.cli import train

    monkeypatch.setattr(train, "load_dataset", lambda name: (_ for _ in ()).throw(
        SystemExit("stop after device selection")))
    try:
        with pytest.raises(SystemExit):
            cli.main(["train", "--device", "fastest"])
        assert selection._measure_pending  # the next fit times each device
    finally:
        cuflow.set_device("cpu")


@pytest.mark.gpu
def test_gpu_measurement_picks_a_device_and_keeps_weights():
    model = mlp()
    x, y = data(256)
    before = model.get_weights()
    figures = measure_devices(model, x, y, batch_size=64)
    assert set(figures) >= {"cpu", "gpu:0"}
    assert weights_equal(before, model.get_weights()) and model.device == "cpu"
    cuflow.set_device("auto", measure=True)
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert model.device in figures
