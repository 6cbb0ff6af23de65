"""Small dataset files in the official formats (IDX, the CIFAR-10 binary archive) and a fake
download server, for the dataset tests."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile

import numpy as np

from cuflow.datasets import (
    _cache,
    cifar10,
    mnist,
)


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
