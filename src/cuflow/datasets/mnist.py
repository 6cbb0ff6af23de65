"""MNIST handwritten digits (LeCun, Cortes & Burges), read from the official IDX files.

``load_data()`` mirrors ``keras.datasets.mnist.load_data``::

    (x_train, y_train), (x_test, y_test) = cuflow.datasets.mnist.load_data()
    # x_train: (60000, 28, 28) uint8 in 0..255   y_train: (60000,) uint8 in 0..9
    # x_test:  (10000, 28, 28) uint8             y_test:  (10000,) uint8

The four gzip'ed IDX files live in ``$CUFLOW_HOME/datasets/mnist`` and are downloaded
there (SHA-256 checked) on first use unless ``CUFLOW_OFFLINE=1``.  This module also
holds the IDX reader that ``fashion_mnist`` shares.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ._cache import fetch

# yann.lecun.com now often refuses downloads; this is the long-standing Google-hosted
# mirror of the same files (the one TensorFlow Datasets uses).
BASE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

# SHA-256 of the gzip'ed files as registered in tensorflow/datasets
# (url_checksums/mnist.txt); the sizes there (e.g. 9912422 bytes for the training
# images) match the files published on yann.lecun.com.
# A digest per line keeps them under 100 columns, so the formatter is held off.
# fmt: off
SHA256 = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# fmt: on

_UBYTE = 0x08  # the only IDX element type these datasets use
_IDX_TYPE_NAMES = {
    0x08: "ubyte",
    0x09: "byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}
_CHUNK = 1 << 20


def read_idx(path: str | os.PathLike, ndim: int) -> np.ndarray:
    """Parse a gzip'ed IDX file of unsigned bytes with ``ndim`` dimensions.

    Header: two zero bytes, a type code (0x08 = ubyte), the number of dimensions,
    then one big-endian uint32 per dimension.  Any mismatch, including a payload
    whose length differs from the product of the dimensions, raises ``ValueError``
    naming the file.  The payload is read in chunks capped at the declared size, so
    a corrupt header claiming terabytes never triggers a huge allocation.
    """
    path = Path(path)

    def bad(what: str) -> ValueError:
        return ValueError(f"{path}: not a valid IDX file: {what}")

    try:
        with gzip.open(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4:
                raise bad(f"file holds only {len(head)} bytes, shorter than the 4-byte magic")
            if head[0] != 0 or head[1] != 0:
                raise bad(f"magic number starts with {head[:2].hex()}, expected 0000")
            if head[2] != _UBYTE:
                name = _IDX_TYPE_NAMES.get(head[2], "unknown")
                raise bad(f"type code 0x{head[2]:02x} ({name}), expected 0x08 (ubyte)")
            if head[3] != ndim:
                raise bad(f"{head[3]} dimensions, expected {ndim}")
            raw_dims = f.read(4 * ndim)
            if len(raw_dims) != 4 * ndim:
                raise bad("truncated inside the dimension header")
            dims = struct.unpack(f">{ndim}I", raw_dims)
            declared = math.prod(dims)  # Python int: cannot overflow
            payload = bytearray()
            while len(payload) <= declared:
                chunk = f.read(min(_CHUNK, declared + 1 - len(payload)))
                if not chunk:
                    break
                payload += chunk
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        # Truncated or corrupt compression layer (e.g. a partial manual download).
        raise bad(f"gzip stream is corrupt or truncated ({exc})") from exc
    if len(payload) != declared:
        got = f"more than {declared}" if len(payload) > declared else str(len(payload))
        raise bad(f"dimensions {dims} declare {declared} data bytes but the file has {got}")
    # A bytearray-backed array is writable (like Keras's) and needs no extra copy.
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def load_idx_dataset(
    dataset: str,
    base_url: str,
    sha256: dict[str, str | None],
    path: str | os.PathLike | None = None,
    num_classes: int = 10,
):
    """Load the four-file IDX layout shared by MNIST and Fashion-MNIST."""
    arrays = {}
    for key, fname in FILES.items():
        local = fetch(dataset, fname, base_url + fname, sha256.get(fname), folder=path)
        arrays[key] = read_idx(local, ndim=3 if key.startswith("x") else 1)
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(x) != len(y):
            raise ValueError(f"{dataset}: {split} split has {len(x)} images but {len(y)} labels")
        if y.size and int(y.max()) >= num_classes:
            raise ValueError(
                f"{dataset}: {split} labels contain {int(y.max())}, expected 0..{num_classes - 1}"
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_data(path: str | os.PathLike | None = None):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)`` (uint8 arrays).

    Keras's ``path`` names a single ``mnist.npz``; cuflow reads the official IDX
    files instead, so ``path``, when given, is a folder holding the four
    ``*-ubyte.gz`` files (read as is, never downloaded into).  By default the cache
    folder ``$CUFLOW_HOME/datasets/mnist`` is used and filled on demand.
    """
    return load_idx_dataset("mnist", BASE_URL, SHA256, path)
