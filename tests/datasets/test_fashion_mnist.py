"""cuflow.datasets.fashion_mnist: its own cache folder (the file names are MNIST's), an explicit
folder, its download URLs and checksums, and its class names."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from cuflow.datasets import DatasetNotFoundError, cache_dir, fashion_mnist, mnist

from ._files import _serve, make_idx_set


def test_reads_its_own_cache_folder_not_mnists():
    make_idx_set(cache_dir() / "mnist", seed=1)  # same file names, another dataset
    with pytest.raises(DatasetNotFoundError, match="fashion_mnist"):
        fashion_mnist.load_data()
    arrays = make_idx_set(cache_dir() / "fashion_mnist", seed=2)
    (x_tr, y_tr), (x_te, y_te) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_te, arrays["x_test"])
    np.testing.assert_array_equal(y_tr, arrays["y_train"])


def test_an_explicit_folder_is_read_as_is(tmp_path):
    arrays = make_idx_set(tmp_path / "fm", n_train=4, n_test=2)
    (x_tr, _), (_, y_te) = fashion_mnist.load_data(path=tmp_path / "fm")
    assert x_tr.shape == (4, 28, 28) and x_tr.dtype == np.uint8
    np.testing.assert_array_equal(y_te, arrays["y_test"])


def test_downloads_from_its_url_and_checks_its_digests(monkeypatch, tmp_path):
    arrays = make_idx_set(tmp_path / "src")
    payloads = {f: (tmp_path / "src" / f).read_bytes() for f in mnist.FILES.values()}
    monkeypatch.setattr(fashion_mnist, "SHA256",
                        {f: hashlib.sha256(b).hexdigest() for f, b in payloads.items()})
    calls = []
    _serve(monkeypatch, payloads, calls)
    (x_tr, _), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_tr, arrays["x_train"])
    assert [u for u, _ in calls] == [fashion_mnist.BASE_URL + f for f in mnist.FILES.values()]
    assert sorted(p.name for p in (cache_dir() / "fashion_mnist").iterdir()) == sorted(payloads)


def test_class_names_and_published_digests():
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top"
    assert fashion_mnist.CLASS_NAMES[9] == "Ankle boot"
    assert set(fashion_mnist.SHA256) == set(mnist.FILES.values())
    assert not set(fashion_mnist.SHA256.values()) & set(mnist.SHA256.values())
