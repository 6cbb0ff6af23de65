"""``cuflow train``: the README's main job, output checks before any step, the device rules."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cuflow import cli
from cuflow.cli import train

from ._run import cuflow as run


def test_main_job_reaches_the_readme_accuracy(capsys, tmp_path):
    model_path = tmp_path / "digits.cuflow"
    assert cli.main(["train", "--dataset", "digits", "--device", "cpu", "--verbose", "0",
                     "--save", str(model_path)]) == 0
    out = capsys.readouterr().out
    acc = float(re.search(r"^test accuracy: ([0-9.]+)$", out, re.M).group(1))
    assert acc >= 0.95
    x = np.random.default_rng(0).random((4, 8, 8)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    assert cli.main(["predict", str(model_path), str(tmp_path / "x.npy"),
                     "--output", str(tmp_path / "p.npy")]) == 0
    preds = np.load(tmp_path / "p.npy")
    assert preds.shape == (4, 10)
    np.testing.assert_allclose(preds.sum(axis=1), 1.0, rtol=1e-5)


def test_the_saved_model_scales_raw_inputs_itself(tmp_path):
    from cuflow import datasets, layers
    from cuflow.models import load_model

    path = tmp_path / "m.cuflow"
    assert cli.main(["train", "--epochs", "8", "--verbose", "0", "--save", str(path)]) == 0
    model = load_model(path)
    assert isinstance(model.layers[0], layers.Rescaling)
    assert model.layers[0].scale == pytest.approx(1 / 16)
    _, (x_test, y_test) = datasets.digits.load_data()  # raw 0..16 pixels, as shipped
    acc = (model.predict(x_test.astype("float32"), verbose=0).argmax(-1) == y_test).mean()
    assert acc >= 0.9


@pytest.mark.parametrize("argv,needle", [
    (["--save", "{tmp}/nodir/m.cuflow"], "--save {tmp}/nodir/m.cuflow: the folder"),
    (["--save", "{tmp}/m.txt"], "--save {tmp}/m.txt: expected a file name ending in .cuflow"),
    (["--plot", "{tmp}/h.png"], "--plot needs matplotlib: pip install 'cuflow[plot]'"),
    (["--plot", "{tmp}/h.txt"], "expected a file name ending in .png"),
    (["--dataset", "nope"], "unknown dataset 'nope'"),
])
def test_outputs_are_checked_before_the_first_step(tmp_path, argv, needle):
    pytest.importorskip("numpy")
    if "matplotlib" in needle:
        try:
            import matplotlib  # noqa: F401

            pytest.skip("matplotlib is installed: --plot works")
        except ImportError:
            pass
    argv = [a.format(tmp=tmp_path) for a in argv]
    start = time.perf_counter()
    res = run("train", "--epochs", "30", *argv)
    assert res.returncode == 2
    assert res.stderr.startswith("cuflow train: ") and needle.format(tmp=tmp_path) in res.stderr
    assert "training a" not in res.stdout  # nothing was trained
    assert time.perf_counter() - start < 60


@pytest.mark.parametrize("value,needle", [
    ("banana", "Unknown device 'banana'"),
    ("gpu", "no GPU is usable"),
])
def test_cuflow_device_is_obeyed(value, needle):
    try:
        import cupy

        if value == "gpu" and cupy.cuda.runtime.getDeviceCount() > 0:
            pytest.skip("a GPU is visible: CUFLOW_DEVICE=gpu works")
    except Exception:
        pass
    res = run("train", "--epochs", "1", env={"CUFLOW_DEVICE": value})
    assert res.returncode == 2 and needle in res.stderr
    assert res.stderr.startswith("cuflow train: ")


def test_an_explicit_device_flag_wins_over_the_environment():
    res = run("train", "--epochs", "1", "--verbose", "0", "--device", "cpu",
              env={"CUFLOW_DEVICE": "banana"})
    assert res.returncode == 0 and "on cpu" in res.stdout


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    env = {**os.environ, "CUFLOW_DEVICE": "cpu"}
    with subprocess.Popen([sys.executable, "-m", "cuflow", "train", "--epochs", "100000",
                           "--verbose", "0", "--save", str(tmp_path / "m.cuflow")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as proc:
        assert proc.stdout.readline().startswith("training a mlp on digits")
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip() == "cuflow train: interrupted"
    assert list(tmp_path.iterdir()) == []  # no partial model file


def test_help_has_descriptions_and_defaults():
    res = run("train", "--help")
    text = " ".join(res.stdout.split())
    assert "passes over the data (default: 30)" in text
    assert "samples per step (default: 32)" in text


def test_build_model_refuses_an_unknown_kind():
    with pytest.raises(cli.UsageError, match="unknown model 'rnn'; expected 'mlp' or 'cnn'"):
        train.build_model("rnn", (8, 8), 10)
