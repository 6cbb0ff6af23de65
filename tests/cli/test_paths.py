"""``cuflow.cli.paths``: output paths checked up front, predictions written atomically."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cuflow.cli import UsageError, paths


def test_writable_output_accepts_a_good_path(tmp_path):
    assert paths.writable_output(tmp_path / "m.cuflow", "--save", paths.MODEL_SUFFIXES) == \
        tmp_path / "m.cuflow"


@pytest.mark.parametrize("name,needle", [
    ("nodir/m.cuflow", "the folder"),
    ("m.txt", "expected a file name ending in .cuflow, .keras, .h5"),
])
def test_writable_output_refuses(tmp_path, name, needle):
    with pytest.raises(UsageError, match=needle):
        paths.writable_output(tmp_path / name, "--save", paths.MODEL_SUFFIXES)


def test_a_folder_is_not_a_file(tmp_path):
    (tmp_path / "d.cuflow").mkdir()
    with pytest.raises(UsageError, match="is a folder"):
        paths.writable_output(tmp_path / "d.cuflow", "--save", paths.MODEL_SUFFIXES)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(UsageError, match="is not writable"):
        paths.writable_output(ro / "p.npy", "--output", (".npy",))


def test_save_npy_leaves_no_temporary_on_failure(tmp_path, monkeypatch):
    paths.save_npy(tmp_path / "a.npy", np.arange(3))
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.arange(3))

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        paths.save_npy(tmp_path / "b.npy", np.arange(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy"]
