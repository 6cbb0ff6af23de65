"""The closed registry of classes a model file may name.

A file names classes by string only. A name resolves to: an entry of ``custom_objects``, a class
registered with ``register_serializable``, or a built-in layer / model found by walking the public
exports of ``cuflow.layers`` and ``cuflow.models``. Nothing else: a ``module`` field is never
imported, and names such as ``Lambda`` are refused even if some module exports them, because a
Lambda layer is Python code.
"""

from __future__ import annotations

import importlib
import inspect

# "Package>Name" -> class or function; filled by the decorator below
_REGISTERED: dict = {}
_REGISTERED_NAMES: dict = {}  # object -> "Package>Name"

# never built from a file, whatever the registries hold: they carry code
FORBIDDEN_CLASS_NAMES = frozenset({"Lambda", "__lambda__", "TFOpLambda", "SlicingOpLambda",
                                   "LambdaCallback"})


def register_serializable(package="Custom", name=None):
    """Class decorator: make ``cls`` loadable from model files as ``"<package>>{name}"``.

    As ``keras.saving.register_keras_serializable``. The class needs ``get_config`` (and
    ``from_config`` unless its ``__init__`` takes the config's keys).
    """
    if not isinstance(package, str) or not package or ">" in package:
        raise ValueError(f"register_serializable: package must be a non-empty string without "
                         f"'>'; received {package!r}")

    def decorator(obj):
        key_name = name or getattr(obj, "__name__", None)
        if not key_name:
            raise ValueError(f"register_serializable: cannot name {obj!r}; pass name=...")
        if key_name in FORBIDDEN_CLASS_NAMES:
            raise ValueError(f"register_serializable: {key_name!r} is reserved (it would let "
                             f"model files run code)")
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_serializable: class {obj.__name__} must define "
                             f"get_config() to be saved in model files")
        key = f"{package}>{key_name}"
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[obj] = key
        return obj

    return decorator


register_keras_serializable = register_serializable


def get_registered_name(obj):
    """``"Package>Name"`` for a registered object, else its ``__name__``."""
    return _REGISTERED_NAMES.get(obj) or getattr(obj, "__name__", None)


def get_registered_object(name, custom_objects=None):
    """The object registered (or passed in ``custom_objects``) as ``name``; None if unknown."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _REGISTERED.get(name)


def is_registered(obj):
    return obj in _REGISTERED_NAMES


def builtin_classes():
    """Every Layer / Model class exported by ``cuflow.layers`` and ``cuflow.models``, by name.

    Walked at each call (cheap) so layers other engineers add later are found without a list here.
    """
    from .. import layers as layers_mod
    from .. import models as models_mod
    from ..layers.base import Layer

    out = {}
    for mod in (layers_mod, models_mod):
        for attr in dir(mod):
            obj = getattr(mod, attr, None)
            if inspect.isclass(obj) and issubclass(obj, Layer) and \
                    obj.__name__ not in FORBIDDEN_CLASS_NAMES and not attr.startswith("_"):
                out[obj.__name__] = obj
    return out


def resolve_class(class_name, registered_name=None, custom_objects=None, base=None):
    """The class a file entry names, or None. ``base`` (e.g. Layer) restricts the answer."""
    if class_name in FORBIDDEN_CLASS_NAMES or registered_name in FORBIDDEN_CLASS_NAMES:
        return None
    candidates = []
    custom = custom_objects or {}
    for key in (registered_name, class_name):
        if key is not None and key in custom:
            candidates.append(custom[key])
    for key in (registered_name, f"Custom>{class_name}"):
        if key is not None and key in _REGISTERED:
            candidates.append(_REGISTERED[key])
    builtin = builtin_classes().get(class_name)
    if builtin is not None:
        candidates.append(builtin)
    for obj in candidates:
        if base is None or (inspect.isclass(obj) and issubclass(obj, base)):
            return obj
    return None


def known_class_names(custom_objects=None):
    """Every class name a config may mention anywhere (layers, initializers, losses, ...)."""
    from .. import constraints, initializers, losses, regularizers

    names = set(builtin_classes())
    for mod in (initializers, regularizers, constraints, losses):
        names.update(n for n in getattr(mod, "__all__", ()) if inspect.isclass(getattr(mod, n,
                                                                                     None)))
    for modname in ("metrics", "optimizers"):
        try:
            mod = importlib.import_module(f"cuflow.{modname}")
        except ImportError:  # optional pieces still being written: their names stay unknown
            continue
        names.update(n for n in getattr(mod, "__all__", dir(mod))
                     if inspect.isclass(getattr(mod, n, None)))
    try:
        from ..optimizers import schedules

        names.update(n for n in dir(schedules) if inspect.isclass(getattr(schedules, n)))
    except ImportError:
        pass
    names.update(k.split(">", 1)[1] for k in _REGISTERED)
    names.update(_REGISTERED)
    names.update(custom_objects or {})
    return names - FORBIDDEN_CLASS_NAMES
