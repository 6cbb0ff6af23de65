"""cuflow.utils.file_utils: get_file from the cache with a hash check, downloads only when
allowed, and archives extracted safely."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import pytest

from cuflow import utils

# ---- get_file ----------------------------------------------------------------------------------
URL = "https://example.invalid/files/data.bin"


def test_get_file_cached_with_hash(tmp_path, monkeypatch):
    from cuflow.datasets import _cache

    def no_network(*a, **k):
        raise AssertionError("get_file touched the network")

    monkeypatch.setattr(_cache, "_urlopen", no_network)
    monkeypatch.delenv("CUFLOW_ALLOW_DOWNLOAD", raising=False)
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    payload = b"hello cuflow"
    (cache / "datasets" / "data.bin").write_bytes(payload)
    sha, md5 = hashlib.sha256(payload).hexdigest(), hashlib.md5(payload).hexdigest()
    got = utils.get_file(origin=URL, cache_dir=cache, file_hash=sha)
    assert got == str(cache / "datasets" / "data.bin")
    assert utils.get_file("data.bin", URL, cache_dir=cache, md5_hash=md5) == got
    assert utils.get_file(origin=URL, cache_dir=cache, file_hash=md5, hash_algorithm="md5") == got
    with pytest.raises(ValueError, match="does not match the expected sha256 hash"):
        utils.get_file(origin=URL, cache_dir=cache, file_hash="0" * 64)
    with pytest.raises(FileNotFoundError, match=r"example.invalid/files/other.bin.*"
                                                r"place it at .*cache/datasets/other.bin"):
        utils.get_file(origin="https://example.invalid/files/other.bin", cache_dir=cache)
    monkeypatch.setenv("CUFLOW_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="CUFLOW_OFFLINE is set"):
        utils.get_file(origin="https://example.invalid/x.bin", cache_dir=cache,
                       allow_download=True)
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        utils.get_file("a/b.bin", URL, cache_dir=cache)


def test_get_file_download_when_allowed(tmp_path, monkeypatch):
    from cuflow.datasets import _cache

    payload = b"served bytes"
    monkeypatch.delenv("CUFLOW_OFFLINE", raising=False)
    monkeypatch.setattr(_cache, "_urlopen", lambda url, timeout: io.BytesIO(payload))
    got = utils.get_file(origin=URL, cache_dir=tmp_path, allow_download=True,
                         file_hash=hashlib.sha256(payload).hexdigest())
    with open(got, "rb") as f:
        assert f.read() == payload
    with pytest.raises(ValueError, match="Incomplete or corrupted file"):
        utils.get_file("bad.bin", URL, cache_dir=tmp_path, allow_download=True,
                       file_hash="1" * 64)
    assert not (tmp_path / "datasets" / "bad.bin").exists()
    assert [p.name for p in (tmp_path / "datasets").iterdir()] == ["data.bin"]


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_get_file_extracts_archives_safely(tmp_path):
    datadir = tmp_path / "datasets"
    datadir.mkdir()
    _tar(datadir / "good.tar.gz", {"good/a.txt": b"A", "good/sub/b.txt": b"B"})
    out = utils.get_file("good.tar.gz", "https://example.invalid/good.tar.gz",
                         cache_dir=tmp_path, extract=True)
    assert out == str(datadir / "good_extracted")
    assert (datadir / "good_extracted" / "good" / "sub" / "b.txt").read_bytes() == b"B"
    _tar(datadir / "evil.tar.gz", {"ok.txt": b"x", "../escaped.txt": b"pwned"})
    with pytest.raises(ValueError, match=r"'../escaped.txt' would be written outside"):
        utils.get_file("evil.tar.gz", "https://example.invalid/evil.tar.gz",
                       cache_dir=tmp_path, extract=True)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (datadir / "evil_extracted" / "ok.txt").exists()  # nothing written
    with zipfile.ZipFile(datadir / "evil.zip", "w") as zf:
        zf.writestr("../../zip_escaped.txt", b"pwned")
    with pytest.raises(ValueError, match="would be written outside"):
        utils.get_file("evil.zip", "https://example.invalid/evil.zip", cache_dir=tmp_path,
                       extract=True)
    assert not (tmp_path.parent / "zip_escaped.txt").exists()
    with zipfile.ZipFile(datadir / "ok.zip", "w") as zf:
        zf.writestr("inner/c.txt", b"C")
    out = utils.get_file("ok.zip", "https://example.invalid/ok.zip", cache_dir=tmp_path,
                         extract=True)
    assert (datadir / "ok_extracted" / "inner" / "c.txt").read_bytes() == b"C"
    with tarfile.open(datadir / "link.tar", "w") as tar:
        info = tarfile.TarInfo("link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match="points outside"):
        utils.get_file("link.tar", "https://example.invalid/link.tar", cache_dir=tmp_path,
                       extract=True)
