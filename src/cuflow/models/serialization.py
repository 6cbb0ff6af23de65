"""Layers and models as entries of a model config, and back:
``{"class_name", "registered_name"?, "config", "build_input_shape"?}``.

A nested model's entry holds its graph (``Sequential`` / ``Functional`` configs, owned by
``sequential.py`` and ``functional.py``); a subclassed model's holds its ``get_config()`` and
needs a registered class. Classes are found by name only, in the closed registry
(``cuflow.registration``: registered classes, custom objects, the public classes of
``cuflow.layers`` and ``cuflow.models``): nothing is imported.
"""

from __future__ import annotations

import inspect

from .. import registration
from ..layers import Layer
from .model import Model


def resolve_class(class_name, registered_name=None, custom_objects=None, base=Layer):
    """The class a config entry names (a subclass of ``base``), or None."""
    return registration.resolve(class_name, registered_name, custom_objects, base=base,
                                builtins=registration.builtin_classes(Layer))


def class_entry(obj):
    """``{"class_name", "registered_name"?}`` for a layer or model instance."""
    cls = type(obj)
    entry = {"class_name": cls.__name__}
    if registration.is_registered(cls):
        entry["registered_name"] = registration.get_registered_name(cls)
    return entry


def check_savable(layer):
    """Every layer saves, as Keras: its class name goes into the config and loading finds the
    class by that name (custom objects, a scope, registration). Only ``get_config`` may refuse
    (a custom layer given values no config can hold)."""
    layer.get_config()


def serialize_layer(layer):
    if isinstance(layer, Model):  # a nested model: its graph, not just its name
        return model_to_config(layer)
    check_savable(layer)
    return {**class_entry(layer), "config": layer.get_config()}


def deserialize_layer(entry, custom_objects=None):
    from .functional import Functional
    from .sequential import Sequential

    cls = resolve_class(entry.get("class_name"), entry.get("registered_name"), custom_objects)
    if cls is None:
        raise ValueError(f"unknown layer class {entry.get('class_name')!r}")
    if cls in (Sequential, Functional):  # nested models rebuild through their graph configs
        return model_from_config(entry, custom_objects)
    config = dict(entry.get("config") or {})
    if takes_custom_objects(cls.from_config):  # wrappers / RNNs deserialize their inner layers
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def takes_custom_objects(fn):
    try:
        return "custom_objects" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def check_layer_classes(entries, custom_objects=None):
    """Every entry of a ``layers`` list names a Layer class (checked before building any)."""
    bad = [e.get("class_name") for e in entries if not isinstance(e, dict) or
           resolve_class(e.get("class_name"), e.get("registered_name"), custom_objects) is None]
    if bad:
        raise ValueError(f"the model config lists unknown layer class(es) {bad}; register them "
                         f"with cuflow.saving.register_serializable or pass custom_objects")


def model_to_config(model):
    """``{"class_name", "registered_name"?, "config", "build_input_shape"?}`` for any model."""
    from .functional import Functional, functional_config
    from .sequential import Sequential, sequential_config

    cls = type(model)
    if cls is Sequential:
        return {"class_name": "Sequential", "config": sequential_config(model)}
    if cls is Functional:
        return {"class_name": "Functional", "config": functional_config(model)}
    try:  # a subclass's get_config, or its __init__ arguments (Keras's automatic config)
        config = model.get_config()
    except NotImplementedError as e:
        raise NotImplementedError(f"cannot save the subclassed model {cls.__name__!r} as a "
                                  f"whole: {e}\nOr save its weights: model.save_weights("
                                  f"'x.weights.h5'), then rebuild the model in code and call "
                                  f"load_weights") from None
    out = {**class_entry(model), "config": config}
    shapes = getattr(model, "_input_batch_shapes", None)
    if model.built and shapes:
        shapes = [[None] + list(s[1:]) for s in shapes]
        out["build_input_shape"] = shapes[0] if len(shapes) == 1 else shapes
    return out


def model_from_config(entry, custom_objects=None):
    """The model an entry describes: ``cls.from_config`` of the class it names, built."""
    from .functional import Functional
    from .sequential import Sequential

    name = entry.get("class_name")
    config = entry.get("config")
    if not isinstance(config, dict):
        raise ValueError("the model config must be an object")
    if name == "Sequential":
        return Sequential.from_config(config, custom_objects)
    if name in ("Functional", "Model") and "input_layers" in config:
        return Functional.from_config(config, custom_objects)
    cls = resolve_class(name, entry.get("registered_name"), custom_objects, base=Model)
    if cls is None:
        raise ValueError(f"unknown model class {name!r}: register it with "
                         f"cuflow.saving.register_serializable or pass custom_objects")
    model = cls.from_config(dict(config))
    shape = entry.get("build_input_shape")
    if shape is not None and not model.built:
        shape = [tuple(s) for s in shape] if shape and isinstance(shape[0], list) \
            else tuple(shape)
        model.build(shape)
    return model
