"""Ready-made datasets, shaped like ``tensorflow.keras.datasets``.

Each submodule has a ``load_data()`` returning ``(x_train, y_train), (x_test, y_test)``
as uint8 numpy arrays:

* ``digits`` -- UCI 8x8 handwritten digits, bundled in the package (offline).
* ``mnist``, ``fashion_mnist`` -- 28x28 grey images from the official IDX files.
* ``cifar10`` -- 32x32 RGB images from the official binary archive.

Downloaded files are cached under ``$CUFLOW_HOME/datasets`` (default
``~/.cuflow/datasets``) and verified by SHA-256; set ``CUFLOW_OFFLINE=1`` to forbid
network access, in which case a missing file raises ``DatasetNotFoundError`` (a
``FileNotFoundError``) naming the file, the folder and the URL to fetch it from.

This package depends on numpy only, so it imports without a GPU.
"""

from . import cifar10, digits, fashion_mnist, mnist
from ._cache import DatasetNotFoundError, cache_dir

__all__ = ["DatasetNotFoundError", "cache_dir", "cifar10", "digits", "fashion_mnist", "mnist"]
