"""Tests for cuflow.datasets; offline, on small files written in the official formats."""

from __future__ import annotations

import gzip
import hashlib
import io
import pathlib
import struct
import tarfile
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cuflow.datasets import (
    DatasetNotFoundError,
    _cache,
    cache_dir,
    cifar10,
    digits,
    fashion_mnist,
    mnist,
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Point the cache at tmp_path, forbid downloads, and trap any network use."""
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CUFLOW_OFFLINE", "1")

    def no_network(url, timeout):
        raise AssertionError(f"test tried to reach the network: {url}")

    monkeypatch.setattr(_cache, "_urlopen", no_network)


# ---------------------------------------------------------------- file builders


def idx_bytes(arr: np.ndarray) -> bytes:
    """Encode a uint8 array in IDX format (magic 0x0000 0x08 ndim, big-endian dims)."""
    head = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def write_gz(path, payload: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload))
    return path


def make_idx_set(folder, n_train=7, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for key, fname in mnist.FILES.items():
        write_gz(folder / fname, idx_bytes(arrays[key]))
    return arrays


def cifar_records(x_hwc: np.ndarray, y: np.ndarray) -> bytes:
    """Official binary layout: label byte, then R, G, B planes (row-major 32x32)."""
    planes = x_hwc.transpose(0, 3, 1, 2).reshape(len(x_hwc), -1)
    return np.concatenate([y.reshape(-1, 1), planes], axis=1).astype(np.uint8).tobytes()


def write_tar_gz(path, members: dict[str, bytes]):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    return path


def make_cifar(folder, per_batch=4, seed=0, extra=None, drop=()):
    rng = np.random.default_rng(seed)
    xs, ys, members = [], [], {"cifar-10-batches-bin/batches.meta.txt": b"airplane\n"}
    for name in (*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH):
        x = rng.integers(0, 256, (per_batch, 32, 32, 3), dtype=np.uint8)
        y = rng.integers(0, 10, per_batch, dtype=np.uint8)
        xs.append(x)
        ys.append(y)
        if name not in drop:
            members[f"cifar-10-batches-bin/{name}"] = cifar_records(x, y)
    members.update(extra or {})
    write_tar_gz(folder / cifar10.FNAME, members)
    return np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5]


# ---------------------------------------------------------------- digits


def test_digits_shapes_dtypes_ranges():
    (x_tr, y_tr), (x_te, y_te) = digits.load_data()
    assert x_tr.shape == (1438, 8, 8) and x_te.shape == (359, 8, 8)  # round(1797 * 0.2)
    assert y_tr.shape == (1438,) and y_te.shape == (359,)
    for a in (x_tr, y_tr, x_te, y_te):
        assert a.dtype == np.uint8
    assert x_tr.max() == 16 and x_tr.min() == 0
    assert set(np.unique(y_tr)) == set(range(10)) == set(np.unique(y_te))


def test_digits_deterministic_and_seeded():
    a, b = digits.load_data(), digits.load_data()
    for u, v in zip((*a[0], *a[1]), (*b[0], *b[1]), strict=True):
        np.testing.assert_array_equal(u, v)
    other = digits.load_data(seed=1)
    assert not np.array_equal(a[1][1], other[1][1])


@pytest.mark.parametrize("split", [0.0, 0.1, 0.2, 0.5, 1.0])
def test_digits_partition_is_exact_and_stratified(split):
    x_all, y_all = digits._load_all()
    (x_tr, y_tr), (x_te, y_te) = digits.load_data(test_split=split)
    assert len(y_te) == int(np.floor(1797 * split + 0.5))
    assert len(y_tr) + len(y_te) == 1797

    # No overlap and nothing lost: the splits together are a permutation of the set.
    def rows(x, y):  # each sample as bytes (pixels + label), as a sorted multiset
        return sorted(map(bytes, np.concatenate([x.reshape(len(x), -1), y[:, None]], 1)))

    assert rows(np.concatenate([x_tr, x_te]), np.concatenate([y_tr, y_te])) == rows(x_all, y_all)
    # Each class is within one sample of its proportional share.
    expected = np.bincount(y_all, minlength=10) * split
    assert np.all(np.abs(np.bincount(y_te, minlength=10) - expected) < 1)


def test_digits_train_test_disjoint_by_index(monkeypatch):
    # The UCI data holds some repeated images, so tag each sample with its index.
    _, y_all = digits._load_all()
    ids = np.arange(1797).reshape(1797, 1, 1)
    monkeypatch.setattr(digits, "_load_all", lambda: (ids, y_all))
    (i_tr, _), (i_te, y_te) = digits.load_data()
    assert not set(i_tr.ravel()) & set(i_te.ravel())
    assert len(set(i_tr.ravel()) | set(i_te.ravel())) == 1797
    np.testing.assert_array_equal(y_all[i_te.ravel()], y_te)  # labels follow their images


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_digits_rejects_bad_split(bad):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=bad)


def test_digits_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    d = sk.load_digits()
    x, y = digits._load_all()
    np.testing.assert_array_equal(x, d.images)
    np.testing.assert_array_equal(y, d.target)


# ---------------------------------------------------------------- cache / env


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "datasets"
    monkeypatch.delenv("CUFLOW_HOME")
    assert cache_dir().parts[-2:] == (".cuflow", "datasets")


@pytest.mark.parametrize(
    "value, expected", [("1", True), ("true", True), ("0", False), ("", False), ("no", False)]
)
def test_offline_flag(monkeypatch, value, expected):
    monkeypatch.setenv("CUFLOW_OFFLINE", value)
    assert _cache.offline() is expected


# ---------------------------------------------------------------- mnist / fashion


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


@pytest.mark.parametrize(
    "module, sub, url",
    [
        (mnist, "mnist", mnist.BASE_URL),
        (fashion_mnist, "fashion_mnist", fashion_mnist.BASE_URL),
        (cifar10, "cifar10", cifar10.URL),
    ],
)
def test_missing_file_offline_message(module, sub, url):
    with pytest.raises(FileNotFoundError) as info:
        module.load_data()
    assert isinstance(info.value, DatasetNotFoundError)
    msg = str(info.value)
    fname = cifar10.FNAME if module is cifar10 else "train-images-idx3-ubyte.gz"
    assert fname in msg
    assert str(cache_dir() / sub) in msg
    assert (url if module is cifar10 else url + fname) in msg
    assert not (cache_dir() / sub).exists()  # offline: not even the folder is created


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


# ---------------------------------------------------------------- cifar10


def test_cifar_round_trip():
    x_tr, y_tr, x_te, y_te = make_cifar(cache_dir() / "cifar10")
    (gx_tr, gy_tr), (gx_te, gy_te) = cifar10.load_data()
    assert gx_tr.shape == (20, 32, 32, 3) and gy_tr.shape == (20, 1)
    assert gx_te.shape == (4, 32, 32, 3) and gy_te.shape == (4, 1)
    for a in (gx_tr, gy_tr, gx_te, gy_te):
        assert a.dtype == np.uint8 and a.flags.c_contiguous and a.flags.writeable
    np.testing.assert_array_equal(gx_tr, x_tr)
    np.testing.assert_array_equal(gy_tr[:, 0], y_tr)
    np.testing.assert_array_equal(gx_te, x_te)
    np.testing.assert_array_equal(gy_te[:, 0], y_te)


def test_cifar_channel_layout():
    # A record whose red plane is 1, green 2, blue 3 must decode to [..., c] == c + 1.
    rec = bytes([7]) + bytes([1]) * 1024 + bytes([2]) * 1024 + bytes([3]) * 1024
    names = [*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH]
    write_tar_gz(
        cache_dir() / "cifar10" / cifar10.FNAME, {f"cifar-10-batches-bin/{n}": rec for n in names}
    )
    (x, y), _ = cifar10.load_data()
    assert y[0, 0] == 7
    np.testing.assert_array_equal(x[0, 5, 9], [1, 2, 3])


@pytest.mark.parametrize(
    "kind",
    [
        "partial record",
        "missing batch",
        "bad label",
        "truncated archive",
        "not an archive",
        "too many records",
    ],
)
def test_cifar_corrupt_raises_value_error(kind):
    folder = cache_dir() / "cifar10"
    if kind == "partial record":
        make_cifar(folder, extra={"cifar-10-batches-bin/test_batch.bin": b"\x01" * 3000})
        needle = "whole number"
    elif kind == "missing batch":
        make_cifar(folder, drop={"data_batch_3.bin"})
        needle = "data_batch_3.bin"
    elif kind == "bad label":
        make_cifar(folder, extra={"cifar-10-batches-bin/data_batch_2.bin": b"\x0b" * 3073})
        needle = "data_batch_2.bin has label 11"
    elif kind == "too many records":
        big = b"\x00" * (3073 * 10001)
        make_cifar(folder, extra={"cifar-10-batches-bin/data_batch_1.bin": big})
        needle = "more than 10000"
    else:
        make_cifar(folder)
        path = folder / cifar10.FNAME
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if kind == "truncated archive" else b"junk")
        needle = "corrupt or truncated"
    with pytest.raises(ValueError, match=needle) as info:
        cifar10.load_data()
    assert cifar10.FNAME in str(info.value)


# ---------------------------------------------------------------- downloads (faked)


class _FakeResponse(io.BytesIO):
    pass


def _serve(monkeypatch, files: dict[str, bytes], calls: list):
    monkeypatch.delenv("CUFLOW_OFFLINE")

    def fake_urlopen(url, timeout):
        calls.append((url, timeout))
        name = url.rsplit("/", 1)[-1]
        if name not in files:
            raise OSError(f"HTTP Error 404: {name}")
        return _FakeResponse(files[name])

    monkeypatch.setattr(_cache, "_urlopen", fake_urlopen)


def _idx_payloads(tmp_path):
    arrays = make_idx_set(tmp_path / "src")
    return arrays, {f: (tmp_path / "src" / f).read_bytes() for f in mnist.FILES.values()}


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


def test_download_failure_names_file_folder_url(monkeypatch):
    _serve(monkeypatch, {}, [])
    with pytest.raises(DatasetNotFoundError) as info:
        cifar10.load_data()
    msg = str(info.value)
    assert cifar10.FNAME in msg and cifar10.URL in msg
    assert str(cache_dir() / "cifar10") in msg and "404" in msg
    assert list((cache_dir() / "cifar10").iterdir()) == []


def test_download_unknown_digest_still_saved(monkeypatch, tmp_path):
    x_tr, *_ = make_cifar(tmp_path / "src")
    payload = (tmp_path / "src" / cifar10.FNAME).read_bytes()
    monkeypatch.setattr(cifar10, "SHA256", None)
    _serve(monkeypatch, {cifar10.FNAME: payload}, [])
    (got, _), _ = cifar10.load_data()
    np.testing.assert_array_equal(got, x_tr)


def test_published_digests_are_well_formed():
    digests = [*mnist.SHA256.values(), *fashion_mnist.SHA256.values(), cifar10.SHA256]
    assert len(set(digests)) == 9
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)


# ---------------------------------------------------------------- property-based


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
