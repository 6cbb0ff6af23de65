"""``cuflow predict``: labels or a saved array, and clear errors for bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import cli
from cuflow.cli import predict

from ._run import cuflow as run


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.cuflow"
    assert cli.main(["train", "--epochs", "1", "--verbose", "0", "--save", str(path)]) == 0
    return path


def test_predict_prints_labels(capsys, tmp_path, model_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 8, 8), dtype="float32"))
    capsys.readouterr()
    assert cli.main(["predict", str(model_path), str(tmp_path / "x.npy")]) == 0
    lines = capsys.readouterr().out.split()
    assert len(lines) == 2 and all(0 <= int(v) <= 9 for v in lines)


def test_predictions_are_saved_atomically(tmp_path, model_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 8, 8), dtype="float32"))
    out = tmp_path / "p.npy"
    assert cli.main(["predict", str(model_path), str(tmp_path / "x.npy"), "--output",
                     str(out)]) == 0
    assert np.load(out).shape == (3, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.npy", "x.npy"]  # no temp left


def _bad_inputs(tmp_path):
    (tmp_path / "text.npy").write_text("1 2 3\n")
    np.save(tmp_path / "strings.npy", np.array([["a", "b"]]))
    np.save(tmp_path / "shape.npy", np.zeros((2, 7, 7), np.float32))
    np.savez(tmp_path / "two.npz", a=np.zeros(2), b=np.ones(2))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)


@pytest.mark.parametrize("name,needle", [
    ("text.npy", "text.npy is not a NumPy .npy array file; expected an array saved with "
                 "numpy.save"),
    ("strings.npy", "strings.npy holds <U1 values; expected numbers (int or float)"),
    ("shape.npy", "shape.npy has shape (2, 7, 7); the model expects (batch, 8, 8)"),
    ("two.npz", "two.npz holds several arrays (.npz); expected one .npy array"),
    ("objects.npy", "objects.npy holds Python objects (pickled data), which cuflow never loads"),
    ("missing.npy", "missing.npy: no such file"),
])
def test_bad_inputs_exit_2_with_the_command_prefix(tmp_path, model_path, name, needle):
    _bad_inputs(tmp_path)
    res = run("predict", str(model_path), str(tmp_path / name))
    assert res.returncode == 2
    assert res.stderr.startswith("cuflow predict: ") and needle in res.stderr
    assert "allow_pickle" not in res.stderr and "unsafe" not in res.stderr.lower()


def test_output_folder_is_checked_before_loading(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((1, 8, 8), np.float32))
    (tmp_path / "m.cuflow").write_bytes(b"not a model")  # never opened: the check comes first
    res = run("predict", str(tmp_path / "m.cuflow"), str(tmp_path / "x.npy"), "--output",
              str(tmp_path / "nodir" / "p.npy"))
    assert res.returncode == 2 and "--output" in res.stderr and "does not exist" in res.stderr


def test_a_missing_model_is_named(tmp_path):
    res = run("predict", "/nonexistent/m.cuflow", "/nonexistent/x.npy")
    assert res.returncode == 2 and "cuflow predict: /nonexistent/m.cuflow: no such model" in \
        res.stderr


def test_load_inputs_returns_numbers(tmp_path):
    np.save(tmp_path / "ints.npy", np.arange(6).reshape(2, 3))
    assert predict.load_inputs(tmp_path / "ints.npy").dtype.kind == "i"
