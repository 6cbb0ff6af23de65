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
import threading

# "Package>Name" -> class or function; filled by the decorator below
_REGISTERED: dict = {}
_REGISTERED_NAMES: dict = {}  # object -> "Package>Name"

# custom_object_scope: a per-thread stack of {name: object} dicts, innermost last
_SCOPES = threading.local()

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


def get_custom_objects():
    """The live global dict of registered objects, as ``keras.saving.get_custom_objects``.

    ``register_serializable`` fills it under ``"Package>Name"`` keys; entries a program adds
    itself (``get_custom_objects()["MyLayer"] = MyLayer``) are found by their bare name.
    Nothing here is ever imported from a file: it only holds objects the program put there.
    """
    return _REGISTERED


def _scope_stack():
    stack = getattr(_SCOPES, "stack", None)
    if stack is None:
        stack = _SCOPES.stack = []
    return stack


def scope_objects():
    """The objects of every active ``custom_object_scope`` (inner scopes win)."""
    out = {}
    for objects in _scope_stack():
        out.update(objects)
    return out


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}): load_model(...)``: names visible to
    loading and deserialization inside the block, as ``keras.saving.CustomObjectScope``."""

    def __init__(self, *custom_objects):
        merged = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(f"custom_object_scope takes dicts of name -> object; received "
                                f"{type(objects).__name__}")
            merged.update(objects)
        forbidden = sorted(set(merged) & FORBIDDEN_CLASS_NAMES)
        if forbidden:
            raise ValueError(f"custom_object_scope: {forbidden} are reserved (they would let "
                             f"model files run code)")
        self.custom_objects = merged

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        stack = _scope_stack()
        if stack and stack[-1] is self.custom_objects:
            stack.pop()
        return False


custom_object_scope = CustomObjectScope


def merged_custom_objects(custom_objects=None):
    """Bare-name global custom objects, then active scopes, then ``custom_objects`` (wins)."""
    out = {k: v for k, v in _REGISTERED.items() if ">" not in k}
    out.update(scope_objects())
    out.update(custom_objects or {})
    return out


def get_registered_name(obj):
    """``"Package>Name"`` for a registered object, else its ``__name__``."""
    return _REGISTERED_NAMES.get(obj) or getattr(obj, "__name__", None)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or in ``custom_objects`` / an active scope / ``module_objects``)
    as ``name``; None if unknown."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    scoped = scope_objects()
    if name in scoped:
        return scoped[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def is_registered(obj):
    if obj in _REGISTERED_NAMES:
        return True
    return any(v is obj for v in _REGISTERED.values()) or \
        any(v is obj for v in scope_objects().values())


def builtin_classes():
    """Every Layer / Model class exported by ``cuflow.layers`` and ``cuflow.models``, by name.

    Walked at each call (cheap) so layers other engineers add later are found without a list here.
    """
    from .. import layers as layers_mod
    from .. import models as models_mod
    from ..layers import Layer

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
    custom = merged_custom_objects(custom_objects)
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
    names.update(k.split(">", 1)[-1] for k in _REGISTERED)
    names.update(_REGISTERED)
    names.update(merged_custom_objects(custom_objects))
    return names - FORBIDDEN_CLASS_NAMES
