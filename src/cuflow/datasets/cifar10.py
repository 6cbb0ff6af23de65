"""CIFAR-10 (Krizhevsky, 2009), read from the official *binary* archive.

``load_data()`` mirrors ``keras.datasets.cifar10.load_data`` (channels-last)::

    (x_train, y_train), (x_test, y_test) = cuflow.datasets.cifar10.load_data()
    # x_train: (50000, 32, 32, 3) uint8   y_train: (50000, 1) uint8 in 0..9
    # x_test:  (10000, 32, 32, 3) uint8   y_test:  (10000, 1) uint8

Keras reads ``cifar-10-python.tar.gz``, whose batches are Python pickles; unpickling
a downloaded file can execute arbitrary code, so cuflow uses the equally official
``cifar-10-binary.tar.gz`` and parses it with numpy.  Each ``data_batch_N.bin`` /
``test_batch.bin`` is a run of 3073-byte records: one label byte, then 1024 red,
1024 green and 1024 blue bytes, each plane row-major 32x32.  The archive is read
member by member in memory; nothing is extracted to disk.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import tarfile
import zlib

import numpy as np

from ._cache import fetch

FNAME = "cifar-10-binary.tar.gz"
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
# As registered in tensorflow/datasets (url_checksums/cifar10.txt, 170052171 bytes).
SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"

ARCHIVE_DIR = "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_BATCH = "test_batch.bin"
CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_RECORD = 1 + 3 * 32 * 32
# Official batches hold exactly 10000 records.  Smaller batches are accepted (tests
# build tiny archives), larger ones are rejected before any bytes are read, so a
# corrupt tar header cannot make us allocate an absurd amount.
_MAX_RECORDS = 10000


def _read_batches(archive: str | os.PathLike) -> dict[str, bytes]:
    """Return the raw bytes of the six batch files, validating sizes first."""
    wanted = {*TRAIN_BATCHES, TEST_BATCH}
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            # One sequential pass: random access into a gzip stream would re-inflate.
            for member in tar:
                head, name = posixpath.split(member.name.removeprefix("./"))
                if head != ARCHIVE_DIR or name not in wanted:
                    continue  # readme.html, batches.meta.txt, ...
                if name in found:
                    raise ValueError(f"{archive}: {member.name} appears twice")
                if not member.isreg():
                    raise ValueError(f"{archive}: {member.name} is not a regular file")
                if member.size == 0 or member.size % _RECORD:
                    raise ValueError(
                        f"{archive}: {member.name} is {member.size} bytes, "
                        f"not a whole number of {_RECORD}-byte records"
                    )
                if member.size > _MAX_RECORDS * _RECORD:
                    raise ValueError(
                        f"{archive}: {member.name} declares {member.size} "
                        f"bytes, more than {_MAX_RECORDS} records"
                    )
                with tar.extractfile(member) as f:
                    data = f.read(member.size)
                if len(data) != member.size:
                    raise ValueError(f"{archive}: {member.name} is truncated")
                top = int(np.frombuffer(data, dtype=np.uint8)[::_RECORD].max())
                if top > 9:
                    raise ValueError(f"{archive}: {member.name} has label {top}, expected 0..9")
                found[name] = data
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"{archive}: corrupt or truncated archive ({exc})") from exc
    missing = sorted(wanted - found.keys())
    if missing:
        raise ValueError(f"{archive}: missing {', '.join(ARCHIVE_DIR + '/' + m for m in missing)}")
    return found


def _decode(raw: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Turn batches of records into x (n, 32, 32, 3) and y (n, 1), fresh C-ordered arrays."""
    records = np.concatenate([np.frombuffer(r, dtype=np.uint8).reshape(-1, _RECORD) for r in raw])
    labels = records[:, :1].copy()
    # Planar CHW on disk -> channels-last HWC, the Keras default.
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def load_data(path: str | os.PathLike | None = None):
    """Load CIFAR-10 as ``(x_train, y_train), (x_test, y_test)`` (uint8 arrays).

    ``path``, when given, is a folder holding ``cifar-10-binary.tar.gz`` (read as is,
    never downloaded into); by default ``$CUFLOW_HOME/datasets/cifar10`` is used and
    filled on demand.
    """
    archive = fetch("cifar10", FNAME, URL, SHA256, folder=path)
    raw = _read_batches(archive)
    return _decode([raw[name] for name in TRAIN_BATCHES]), _decode([raw[TEST_BATCH]])
