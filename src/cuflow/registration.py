"""Registration of user objects for (de)serialization, as ``keras.saving``'s object registration:
``register_serializable``, ``custom_object_scope``, ``get_custom_objects`` and the lookups over
them.

It sits at the bottom of the stack (it knows no layers, models or files) so that activations,
layers and losses can name registered objects without importing ``cuflow.saving``; the file
readers in ``cuflow.saving.registry`` add the built-in classes on top.
"""

from __future__ import annotations

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


# Packages whose public classes a config may name by bare class name (cuflow.layers,
# cuflow.models): each registers itself when it loads, so lookups here never import upward.
_BUILTIN_MODULES: list = []


def register_builtin_module(module):
    """Make ``module``'s public classes resolvable by name (called by ``cuflow.layers`` and
    ``cuflow.models`` at import)."""
    if module not in _BUILTIN_MODULES:
        _BUILTIN_MODULES.append(module)


def builtin_classes(base=None):
    """Public classes (subclasses of ``base`` when given) of every registered built-in module,
    by class name. Walked at each call (cheap), so classes added later are found."""
    out = {}
    for module in _BUILTIN_MODULES:
        for attr in dir(module):
            obj = getattr(module, attr, None)
            if inspect.isclass(obj) and not attr.startswith("_") and \
                    obj.__name__ not in FORBIDDEN_CLASS_NAMES and \
                    (base is None or issubclass(obj, base)):
                out[obj.__name__] = obj
    return out


def resolve(class_name, registered_name=None, custom_objects=None, base=None, builtins=None):
    """The class a config entry names, or None: ``custom_objects`` and active scopes, then
    registered objects, then ``builtins`` (a name -> class dict the caller supplies). ``base``
    (e.g. Layer) restricts the answer."""
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
    builtin = (builtins or {}).get(class_name)
    if builtin is not None:
        candidates.append(builtin)
    for obj in candidates:
        if base is None or (inspect.isclass(obj) and issubclass(obj, base)):
            return obj
    return None
