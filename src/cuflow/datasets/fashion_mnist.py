"""Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando Research), from the official IDX files.

``load_data()`` mirrors ``keras.datasets.fashion_mnist.load_data``::

    (x_train, y_train), (x_test, y_test) = cuflow.datasets.fashion_mnist.load_data()
    # x_train: (60000, 28, 28) uint8   y_train: (60000,) uint8 in 0..9
    # x_test:  (10000, 28, 28) uint8   y_test:  (10000,) uint8

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot.  The files have the same names and format as MNIST's,
so they live in their own cache folder, ``$CUFLOW_HOME/datasets/fashion_mnist``.
"""

from __future__ import annotations

import os

from .mnist import load_idx_dataset

# The download location given in the zalandoresearch/fashion-mnist README.
BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

# SHA-256 of the gzip'ed files as registered in tensorflow/datasets
# (url_checksums/fashion_mnist.txt).  They also protect the plain-http download.
# A digest per line keeps them under 100 columns, so the formatter is held off.
# fmt: off
SHA256 = {
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
# fmt: on

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def load_data(path: str | os.PathLike | None = None):
    """Load Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)`` (uint8 arrays).

    ``path``, when given, is a folder holding the four ``*-ubyte.gz`` files (read as
    is, never downloaded into); by default the cache folder is used and filled.
    """
    return load_idx_dataset("fashion_mnist", BASE_URL, SHA256, path)
