"""cuflow.datasets.cifar10: the binary archive decoded (channel layout), corrupt archives refused,
downloads."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.datasets import (
    DatasetNotFoundError,
    cache_dir,
    cifar10,
)

from ._files import (
    _serve,
    make_cifar,
    write_tar_gz,
)


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
