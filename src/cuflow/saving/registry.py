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

from ..registration import (  # noqa: F401 (re-exported: saving's public names)
    _REGISTERED,
    _REGISTERED_NAMES,
    FORBIDDEN_CLASS_NAMES,
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    is_registered,
    merged_custom_objects,
    register_keras_serializable,
    register_serializable,
    resolve,
    scope_objects,
)
from ..registration import builtin_classes as _builtin_classes


def builtin_classes():
    """Every Layer / Model class exported by ``cuflow.layers`` and ``cuflow.models``, by name."""
    from .. import layers, models  # noqa: F401 (loading them registers their classes)

    return _builtin_classes(base=layers.Layer)


def resolve_class(class_name, registered_name=None, custom_objects=None, base=None):
    """The class a file entry names, or None. ``base`` (e.g. Layer) restricts the answer."""
    return resolve(class_name, registered_name, custom_objects, base, builtin_classes())


def known_class_names(custom_objects=None):
    """Every class name a config may mention anywhere (layers, initializers, losses, ...)."""
    from .. import constraints, initializers, losses, regularizers

    names = set(builtin_classes())
    for mod in (initializers, regularizers, constraints, losses):
        names.update(n for n in getattr(mod, "__all__", ()) if inspect.isclass(getattr(mod, n,
                                                                                     None)))
    for modname in ("metrics", "optimizers", "quantizers", "dtype_policies"):
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
