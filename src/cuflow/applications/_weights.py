"""Where pretrained weight files are looked up, and how a ``weights=`` argument is resolved.

cuflow never downloads weights implicitly: ``weights='imagenet'`` reads Keras's file from
``$CUFLOW_HOME/models`` (default ``~/.cuflow/models``) and, when it is not there, says which
file to fetch, from where, and where to put it.
"""

from __future__ import annotations

import os
from pathlib import Path

KERAS_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   + CLASS_INDEX_FILE)


def models_dir() -> Path:
    """``$CUFLOW_HOME/models`` or ``~/.cuflow/models`` (read at each call, so tests and users
    can point it elsewhere at run time)."""
    home = os.environ.get("CUFLOW_HOME")
    root = Path(home).expanduser() if home else Path.home() / ".cuflow"
    return root / "models"


def missing_file_error(fname, url, what):
    folder = models_dir()
    return FileNotFoundError(
        f"{what} file {fname!r} is not in {str(folder)!r}. cuflow does not download it for "
        f"you: fetch it from {url} (e.g. `curl -L -o {folder / fname} {url}`), or copy it "
        f"from a Keras cache (~/.keras/models), into that folder; set CUFLOW_HOME to use "
        f"another root folder")


def cached_file(fname, url, what):
    """The path of ``fname`` in the models folder, or a FileNotFoundError naming the URL."""
    path = models_dir() / fname
    if not path.is_file():
        raise missing_file_error(fname, url, what)
    return path


def check_weights_arg(model_name, weights, include_top, classes):
    """Keras's checks of ``weights`` / ``classes``, done before any layer is built."""
    if not (weights in ("imagenet", None) or
            (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError(f"{model_name}: the `weights` argument should be either None (random "
                         f"initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to an existing weights file to be loaded; received weights={weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model_name}: with weights='imagenet' and include_top=True, classes "
                         f"must be 1000; received classes={classes!r}")


def resolve_weights(model_name, weights, fname, url):
    """None (random init), or the path of the file to load; checked before building so a
    missing download fails fast instead of after allocating the model."""
    if weights is None:
        return None
    if weights == "imagenet":
        return cached_file(fname, url, f"{model_name} ImageNet weights")
    return Path(weights)


def load_into(model, path):
    if path is not None:
        model.load_weights(str(path))
    return model
