"""cuflow.datasets.mnist: IDX files read from the cache or a folder (fashion_mnist shares the
reader), corrupt files refused, downloads verified and atomic, and any truncation caught."""

from __future__ import annotations

import hashlib
import pathlib
import struct
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuflow.datasets import (
    DatasetNotFoundError,
    _cache,
    cache_dir,
    fashion_mnist,
    mnist,
)

from ._files import (
    _idx_payloads,
    _serve,
    idx_bytes,
    make_idx_set,
    write_gz,
)


@pytest.mark.parametrize("module, sub", [(mnist, "mnist"), (fashion_mnist, "fashion_mnist")])
def test_idx_round_trip_from_cache(module, sub):
    arrays = make_idx_set(cache_dir() / sub)
    (x_tr, y_tr), (x_te, y_te) = module.load_data()
    got_all = (x_tr, y_tr, x_te, y_te)
    for key, got in zip(("x_train", "y_train", "x_test", "y_test"), got_all, strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])
    assert x_tr.shape == (7, 28, 28) and y_tr.shape == (7,)
    assert x_tr.flags.writeable


def test_idx_explicit_folder(tmp_path):
    arrays = make_idx_set(tmp_path / "mine")
    (x_tr, _), _ = mnist.load_data(path=tmp_path / "mine")
    np.testing.assert_array_equal(x_tr, arrays["x_train"])


def test_missing_file_explicit_folder(tmp_path):
    with pytest.raises(DatasetNotFoundError, match=r"t10k|train"):
        mnist.load_data(path=tmp_path / "empty")


def _corrupt_cases():
    good = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    ok = idx_bytes(good)
    return {
        "bad magic": (b"\x01" + ok[1:], "magic"),
        "bad type code": (ok[:2] + b"\x0d" + ok[3:], "type code"),
        "wrong ndim": (ok[:3] + b"\x02" + ok[4:], "dimensions"),
        "truncated payload": (ok[:-5], "declare"),
        "trailing bytes": (ok + b"\x00", "declare"),
        "truncated header": (ok[:9], "dimension header"),
        "empty": (b"", "shorter"),
        # 2**32-1 images declared with a tiny payload: must fail fast, not allocate.
        "absurd size": (ok[:4] + struct.pack(">I", 2**32 - 1) + ok[8:], "declare"),
    }


@pytest.mark.parametrize("case", list(_corrupt_cases()))
def test_idx_corrupt_raises_value_error(tmp_path, case):
    payload, needle = _corrupt_cases()[case]
    path = write_gz(tmp_path / "train-images-idx3-ubyte.gz", payload)
    with pytest.raises(ValueError, match=needle) as info:
        mnist.read_idx(path, ndim=3)
    assert str(path) in str(info.value)


def test_idx_truncated_gzip_raises_value_error(tmp_path):
    arrays = make_idx_set(tmp_path)
    path = tmp_path / mnist.FILES["x_train"]
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="gzip") as info:
        mnist.read_idx(path, ndim=3)
    assert path.name in str(info.value)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="gzip"):
        mnist.read_idx(path, ndim=3)
    assert arrays  # the rest of the set was untouched


def test_idx_label_count_and_range_checked():
    folder = cache_dir() / "mnist"
    make_idx_set(folder)
    write_gz(folder / mnist.FILES["y_train"], idx_bytes(np.zeros(6, np.uint8)))
    with pytest.raises(ValueError, match="7 images but 6 labels"):
        mnist.load_data()
    write_gz(folder / mnist.FILES["y_train"], idx_bytes(np.full(7, 10, np.uint8)))
    with pytest.raises(ValueError, match="labels contain 10"):
        mnist.load_data()


def test_download_verified_and_atomic(monkeypatch, tmp_path):
    arrays, payloads = _idx_payloads(tmp_path)
    monkeypatch.setattr(
        mnist, "SHA256", {f: hashlib.sha256(b).hexdigest() for f, b in payloads.items()}
    )
    calls = []
    _serve(monkeypatch, payloads, calls)
    (x_tr, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_tr, arrays["x_train"])
    assert [u for u, _ in calls] == [mnist.BASE_URL + f for f in mnist.FILES.values()]
    assert all(t == _cache.DOWNLOAD_TIMEOUT_S for _, t in calls)
    assert sorted(p.name for p in (cache_dir() / "mnist").iterdir()) == sorted(payloads)
    mnist.load_data()  # second load is served from the cache
    assert len(calls) == 4


def test_download_checksum_mismatch(monkeypatch, tmp_path):
    _, payloads = _idx_payloads(tmp_path)
    fname = mnist.FILES["x_train"]
    monkeypatch.setitem(mnist.SHA256, fname, "ab" * 32)
    _serve(monkeypatch, payloads, [])
    with pytest.raises(ValueError) as info:
        mnist.load_data()
    msg = str(info.value)
    assert "ab" * 32 in msg and hashlib.sha256(payloads[fname]).hexdigest() in msg
    # Neither the bad file nor a temporary leftover stays in the cache.
    assert list((cache_dir() / "mnist").iterdir()) == []


@settings(max_examples=60, deadline=None, database=None)  # no example DB kept between runs
@given(
    shape=st.tuples(st.integers(0, 5), st.integers(1, 6), st.integers(1, 6)),
    cut=st.integers(0, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_idx_round_trip_or_value_error(shape, cut, seed):
    """Any prefix of a valid IDX stream either parses to the original or is rejected."""
    arr = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    data = idx_bytes(arr)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_gz(pathlib.Path(tmp) / "x.gz", data[: min(cut, len(data))])
        if cut >= len(data):
            np.testing.assert_array_equal(mnist.read_idx(path, ndim=3), arr)
        else:
            with pytest.raises(ValueError, match=r"x\.gz"):
                mnist.read_idx(path, ndim=3)
