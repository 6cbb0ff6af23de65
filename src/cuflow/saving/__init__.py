"""``cuflow.saving``: model files (``.cuflow`` zips), weight files (``.weights.npz``,
``.weights.h5``, legacy Keras HDF5), Keras 3 ``.keras`` archives, and the registry of classes a
file may name. Nothing from a file is imported, evaluated or unpickled.
"""

from ..models.cloning import clone_model
from .api import load_model, load_weights, save_model, save_weights
from .registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    register_serializable,
)


def __getattr__(name):  # Keras also exports these from keras.saving
    if name in ("serialize_keras_object", "deserialize_keras_object"):
        from . import object_serialization

        return getattr(object_serialization, name)
    raise AttributeError(f"module 'cuflow.saving' has no attribute {name!r}")


__all__ = ["CustomObjectScope", "clone_model", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "register_serializable", "save_model",
           "save_weights"]
