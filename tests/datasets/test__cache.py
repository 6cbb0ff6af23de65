"""cuflow.datasets._cache: the cache folder, the offline flag, the not-found message every loader
gives, and the published digests."""

from __future__ import annotations

import pytest

from cuflow.datasets import (
    DatasetNotFoundError,
    _cache,
    cache_dir,
    cifar10,
    fashion_mnist,
    mnist,
)


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


def test_published_digests_are_well_formed():
    digests = [*mnist.SHA256.values(), *fashion_mnist.SHA256.values(), cifar10.SHA256]
    assert len(set(digests)) == 9
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)
