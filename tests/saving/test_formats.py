"""The suffix table: the longest suffix picks the row, models and weights keep their own rows,
and each reader returns a plan that builds nothing."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.saving import formats, keras2_h5, model_file

from ._helpers import assert_same_weights, mlp


def test_the_longest_suffix_wins():
    assert formats.suffix_of("m.weights.h5") == ".weights.h5"
    assert formats.suffix_of("m.h5") == ".h5"
    assert formats.suffix_of("dir.npz/m.weights.npz") == ".weights.npz"
    assert formats.suffix_of("legacy.npz") == ".npz"
    assert formats.suffix_of("m.bin") is None
    # a model operation only looks at model rows: m.weights.h5 is then an .h5 model file
    assert formats.suffix_of("m.weights.h5", formats.MODEL_SUFFIXES) == ".h5"


def test_one_row_per_suffix_with_reader_and_writer():
    assert formats.MODEL_SUFFIXES == (".cuflow", ".keras", ".h5", ".hdf5")
    assert formats.FORMATS[".cuflow"] == (model_file.read, model_file.write)
    assert formats.FORMATS[".h5"][0] is formats.FORMATS[".weights.h5"][0] is formats.read_h5
    assert formats.FORMATS[".npz"][1] is None  # read (legacy names), never written
    for suffix in formats.FORMATS:
        assert callable(formats.FORMATS[suffix][0]), suffix


def test_a_weights_plan_assigns_only_when_asked(tmp_path):
    src, dst = mlp(0), mlp(1)
    formats.write_npz(src, tmp_path / "w.weights.npz")
    plan = formats.read_npz(tmp_path / "w.weights.npz", "w")
    assert plan["entry"] is None
    assert not np.array_equal(src.get_weights()[0], dst.get_weights()[0])
    plan["load_weights"](dst)
    assert_same_weights(src, dst)


def test_an_h5_plan_is_a_model_plan_unless_weights_only(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(keras2_h5, "plan", lambda *a: calls.append(a) or {"entry": "x"})
    assert formats.read_h5("m.h5", "w", None)["entry"] == "x" and len(calls) == 1
    plan = formats.read_h5("m.h5", "w", None, weights_only=True)
    assert plan["entry"] is None and len(calls) == 1  # the file is read when loaded


def test_operations_refuse_suffixes_of_the_other_kind(tmp_path):
    model = mlp()
    with pytest.raises(ValueError, match="model files end in .cuflow or .keras or .h5 or .hdf5"):
        model.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="weight files end in .weights.npz or .weights.h5"):
        model.save_weights(tmp_path / "m.cuflow")
    with pytest.raises(ValueError, match="cannot tell the format"):
        model.load_weights(tmp_path / "m.bin")
    model.save(tmp_path / "m.cuflow")
    other = mlp(5)
    other.load_weights(tmp_path / "m.cuflow")  # a model file's weights, by path
    assert_same_weights(model, other)
