"""Layers as ``{"class_name", "config"}`` entries (nested layers of wrappers, RNN cells) and
Keras objects as their serialized form, looked up again by name in the closed registry."""

from __future__ import annotations

import inspect

from ..registration import builtin_classes, resolve
from .layer import Layer


def serialize(module, obj):
    """``module.serialize(obj)`` with None kept as None (not every module accepts None)."""
    return None if obj is None else module.serialize(obj)


def lookup_layer_class(name, custom_objects=None):
    """A layer class by name in the closed registry (built-ins, registered, custom_objects)."""
    cls = resolve(name, None, custom_objects, base=Layer, builtins=builtin_classes(Layer))
    if cls is None:
        raise ValueError(f"Unknown layer class {name!r}; register it with "
                         f"cuflow.saving.register_serializable or pass it in custom_objects")
    return cls


def serialize_layer(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config, custom_objects=None):
    if isinstance(config, Layer):
        return config
    cls = lookup_layer_class(config["class_name"], custom_objects)
    from_config = cls.from_config
    if "custom_objects" in inspect.signature(from_config).parameters:
        return from_config(dict(config["config"]), custom_objects=custom_objects)
    return from_config(dict(config["config"]))
