"""``cuflow.saving``: model files (``.cuflow`` zips), weight files (``.weights.npz``,
``.weights.h5``, legacy Keras HDF5), Keras 3 ``.keras`` archives, and the registry of classes a
file may name. Nothing from a file is imported, evaluated or unpickled.
"""

from .api import clone_model, load_model, load_weights, save_model, save_weights
from .registry import (
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    register_serializable,
)

__all__ = ["clone_model", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "register_serializable", "save_model",
           "save_weights"]
