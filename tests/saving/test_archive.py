"""Bytes on disk: atomic writes that never leave a half-written file, deterministic .npz bytes,
and zip / .npy reading that checks what a file declares before reading it."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

from cuflow.errors import UnsafeModelError
from cuflow.saving import archive


def test_atomic_write_replaces_or_refuses_and_cleans_up(tmp_path):
    path = tmp_path / "f.bin"
    archive.atomic_write(path, lambda f: f.write(b"one"))
    archive.atomic_write(path, lambda f: f.write(b"two"))
    assert path.read_bytes() == b"two"
    with pytest.raises(FileExistsError, match="overwrite=False"):
        archive.atomic_write(path, lambda f: f.write(b"three"), overwrite=False)

    def fail(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        archive.atomic_write(path, fail)
    assert path.read_bytes() == b"two" and os.listdir(tmp_path) == ["f.bin"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        archive.atomic_write(tmp_path / "no" / "f.bin", lambda f: None)


def test_npz_bytes_are_deterministic_and_read_back():
    arrays = {"layers/d/0": np.arange(6, dtype=np.float32).reshape(2, 3),
              "layers/d/1": np.zeros(3, np.float64)}
    data = archive.npz_bytes(arrays)
    assert data == archive.npz_bytes(arrays)
    back = archive.read_npz(data, "w")
    assert list(back) == list(arrays)
    for k in arrays:
        np.testing.assert_array_equal(back[k], arrays[k])
        assert back[k].dtype == arrays[k].dtype


def _npy_with_shape(shape, payload):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + payload


def test_npy_headers_are_checked_against_the_bytes_present():
    with pytest.raises(ValueError, match=r"declares shape \(4,\).*but holds 8 bytes"):
        archive.read_npy(_npy_with_shape((4,), bytes(8)), "k", "f")
    with pytest.raises(UnsafeModelError, match="too large to allocate"):
        archive.read_npy(_npy_with_shape((1 << 40,), b""), "k", "f")
    with pytest.raises(UnsafeModelError, match="not a .npy array"):
        archive.read_npy(b"\x80\x04pickle", "k", "f")
    obj = io.BytesIO()
    np.lib.format.write_array(obj, np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(UnsafeModelError, match="object array"):
        archive.read_npy(obj.getvalue(), "k", "f")


@pytest.mark.parametrize("name", ["../x", "/abs", "a\\b", "a//b", "c:/x", "sp ace"])
def test_unsafe_member_names_are_refused(name):
    with pytest.raises(UnsafeModelError):
        archive.check_member_name(name, "f")


def test_read_zip_allows_only_the_members_asked_for():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", b"{}")
        zf.writestr("extra.py", b"import os")
    with pytest.raises(UnsafeModelError, match="unexpected member 'extra.py'"):
        archive.read_zip(buf.getvalue(), "f", lambda n: n == "config.json")
    assert archive.read_zip(buf.getvalue(), "f", lambda n: True) == {
        "config.json": b"{}", "extra.py": b"import os"}
    with pytest.raises(ValueError, match="not a readable archive"):
        archive.read_zip(b"not a zip", "f", lambda n: True)


def test_a_file_cut_short_anywhere_is_called_truncated_not_crafted(tmp_path):
    import numpy as np

    import cuflow
    from cuflow.errors import UnsafeModelError
    from cuflow.layers import Dense, Input
    from cuflow.models import Sequential, load_model

    model = Sequential([Input((4,)), Dense(3)])
    model.compile("adam", "mse")
    path = tmp_path / "m.cuflow"
    model.save(path)
    data = path.read_bytes()
    cut = tmp_path / "cut.cuflow"
    for n in sorted(set(np.linspace(1, len(data) - 1, 60).astype(int))):
        cut.write_bytes(data[:n])
        try:
            load_model(cut)
        except UnsafeModelError as e:
            raise AssertionError(f"cut at {n} of {len(data)} bytes called unsafe: {e}") from None
        except ValueError as e:
            assert "truncated, corrupt" in str(e) or "does not match the hash" in str(e), str(e)
        else:
            raise AssertionError(f"cut at {n} of {len(data)} bytes loaded")
    assert isinstance(load_model(path), cuflow.models.Sequential)
