"""Models: ``Sequential``, functional ``Model(inputs, outputs)``, subclassed ``Model``."""

from ..trainers import seams as _seams
from ..trainers.trainer import NotCompiledError
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    return _seams.saving().load_model(filepath, custom_objects=custom_objects,
                                      compile=compile, safe_mode=safe_mode)


def model_from_config(config, custom_objects=None):
    """The (uncompiled) model a config describes: ``{"class_name", "config", ...}`` as
    ``model.get_config()`` entries, ``to_json`` and tf.keras write them."""
    if not isinstance(config, dict):
        raise TypeError(f"model_from_config expects a dict config; received "
                        f"{type(config).__name__}")
    if "class_name" not in config:
        raise ValueError("model_from_config expects {'class_name': ..., 'config': ...}; for a "
                         "bare get_config() dict use Model.from_config / Sequential.from_config")
    return _seams.saving().deserialize_keras_object(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """The (uncompiled) model ``model.to_json()`` (Keras's or tf.keras's) describes."""
    import json

    return model_from_config(json.loads(json_string), custom_objects=custom_objects)


def save_model(model, filepath, overwrite=True, **kwargs):
    return _seams.saving().save_model(model, filepath, overwrite=overwrite, **kwargs)


def _register():
    import sys

    from ..registration import register_builtin_module

    register_builtin_module(sys.modules[__name__])  # configs may name these classes


_register()
del _register
