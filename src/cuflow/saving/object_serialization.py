"""``serialize_keras_object`` / ``deserialize_keras_object`` in the Keras 3 dict format, over
cuflow's closed registry.

A serialized object is ``{"module", "class_name", "config", "registered_name"}`` (a plain function:
``class_name == "function"`` and its name as ``config``). Deserializing finds ``class_name`` by
name only — in ``custom_objects``, an active ``custom_object_scope``, ``get_custom_objects()`` /
``register_keras_serializable``, then cuflow's built-in layers, models, initializers,
regularizers, constraints, losses, metrics, optimizers, schedules and activations. The ``module``
field is informative and never imported; lambdas are never serialized nor restored.
"""

from __future__ import annotations

import importlib
import inspect
import types

import numpy as np

from . import registry

_PLAIN = (str, int, float, bool)
_CLASS_MODULES = ("initializers", "regularizers", "constraints", "losses", "metrics",
                  "optimizers", "optimizers.schedules")


def _public_module(obj):
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("cuflow."):
        parts = module.split(".")
        if len(parts) > 2 and parts[1] == "optimizers" and parts[2] == "schedules":
            return "cuflow.optimizers.schedules"
        return ".".join(parts[:2])
    return module


def _registered_name(obj):
    name = registry.get_registered_name(obj)
    return name if registry.is_registered(obj) else None


def serialize_keras_object(obj):
    """``obj`` as JSON-compatible data that ``deserialize_keras_object`` turns back into it."""
    from ..layers import Layer
    from ..tensor import Tensor

    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        out = [serialize_keras_object(v) for v in obj]
        return tuple(out) if isinstance(obj, tuple) else out
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, Tensor):
        return {"class_name": "__tensor__", "config": {"value": obj.numpy().tolist(),
                                                       "dtype": str(obj.dtype)}}
    if isinstance(obj, (np.ndarray, np.generic)):
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                          "dtype": str(obj.dtype)}}
        return obj.item()
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        raise ValueError("cannot serialize a lambda: cuflow never stores or loads Python code. "
                         "Use a named function registered with register_keras_serializable")
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return {"module": _public_module(obj), "class_name": "function",
                "config": obj.__name__, "registered_name": _registered_name(obj) or obj.__name__}
    if isinstance(obj, Layer):
        from ..models import serialization

        entry = serialization.serialize_layer(obj)  # refuses unregistered custom layers
        return {"module": _public_module(type(obj)), "class_name": entry["class_name"],
                "config": entry["config"],
                "registered_name": entry.get("registered_name"),
                **{k: v for k, v in entry.items()
                   if k not in ("class_name", "config", "registered_name")}}
    if inspect.isclass(obj):
        raise TypeError(f"cannot serialize the class {obj.__name__}; serialize an instance")
    if not hasattr(obj, "get_config"):
        raise TypeError(f"cannot serialize {type(obj).__name__}: it has no get_config()")
    return {"module": _public_module(type(obj)), "class_name": type(obj).__name__,
            "config": serialize_keras_object(obj.get_config()),
            "registered_name": _registered_name(type(obj))}


def _builtin_function(name):
    from .. import activations, losses

    fn = activations._ALL.get(name) or activations._ALIASES.get(name)
    if fn is None:
        try:
            fn = losses.deserialize(name)
        except (ValueError, TypeError, KeyError):
            fn = None
    return fn if callable(fn) and not inspect.isclass(fn) else None


def _builtin_class(name):
    for modname in _CLASS_MODULES:
        try:
            mod = importlib.import_module(f"cuflow.{modname}")
        except ImportError:
            continue
        exported = getattr(mod, "__all__", None)
        if exported is None:
            exported = [n for n in dir(mod) if not n.startswith("_")]
        if name in exported:
            obj = getattr(mod, name, None)
            if inspect.isclass(obj):
                return obj
    return None


def _module_class(module, class_name):
    """``class_name`` among the built-ins of the family ``module`` names ("keras.initializers",
    "cuflow.initializers", "keras.src.initializers.constant_initializers" ...), else None."""
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    parts = parts[1:] if parts[0] in ("keras", "cuflow") else parts
    parts = parts[1:] if parts and parts[0] == "src" else parts
    if not parts or parts[0] not in _CLASS_MODULES:
        return None
    mod = importlib.import_module(f"cuflow.{parts[0]}")
    obj = getattr(mod, class_name, None) if class_name in getattr(mod, "__all__", dir(mod)) \
        else None
    return obj if inspect.isclass(obj) else None


def _resolve(class_name, registered_name, custom):
    for key in (registered_name, class_name):
        if key is not None and key in custom:
            return custom[key]
    for key in (registered_name, f"Custom>{class_name}"):
        if key is not None and key in registry._REGISTERED:
            return registry._REGISTERED[key]
    return None


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object ``config`` describes (inverse of ``serialize_keras_object``).

    Also accepts Keras's ``module_objects`` keyword (an extra name -> object table).
    ``safe_mode`` is accepted and changes nothing: lambdas are always refused.
    """
    del safe_mode
    module_objects = kwargs.pop("module_objects", None) or {}
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected keyword argument(s) "
                        f"{sorted(kwargs)}")
    custom = {**module_objects, **registry.merged_custom_objects(custom_objects)}
    return _deserialize(config, custom)


def _deserialize(config, custom):
    from ..layers import Layer

    if config is None:
        return None
    if isinstance(config, str) and config in custom:
        return custom[config]
    if isinstance(config, _PLAIN):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(v, custom) for v in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {k: _deserialize(v, custom) for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"]
    registered_name = config.get("registered_name")
    if class_name in registry.FORBIDDEN_CLASS_NAMES or \
            registered_name in registry.FORBIDDEN_CLASS_NAMES:
        raise ValueError(f"Requested the deserialization of {class_name!r}: it carries Python "
                         f"code, which cuflow never loads from a config")
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        from ..tensor import Tensor

        return Tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(_deserialize(inner["start"], custom), _deserialize(inner["stop"], custom),
                     _deserialize(inner["step"], custom))
    if class_name == "__keras_tensor__":
        raise ValueError("symbolic tensors are only restored inside a functional model config")
    if class_name == "function":
        fn = _resolve(inner, registered_name, custom) if isinstance(inner, str) else None
        fn = fn or (_builtin_function(inner) if isinstance(inner, str) else None)
        if fn is None:
            raise ValueError(f"Could not locate function {inner!r} (registered_name="
                             f"{registered_name!r}): register it with "
                             f"register_keras_serializable or pass it in custom_objects")
        return fn
    cls = _resolve(class_name, registered_name, custom)
    if cls is None:  # the module names the family where a class name is in two (Identity,
        # a loss and a metric of one name)
        cls = _module_class(config.get("module"), class_name)
    if cls is None:
        cls = registry.builtin_classes().get(class_name)
        if cls is None and class_name in ("Sequential", "Functional", "Model"):
            from .. import models

            cls = getattr(models, "Sequential" if class_name == "Sequential" else "Model")
        cls = cls or _builtin_class(class_name)
    if cls is None:
        raise ValueError(f"Could not locate class {class_name!r} (registered_name="
                         f"{registered_name!r}). Make sure custom classes are decorated with "
                         f"`@cuflow.utils.register_keras_serializable()` or passed in "
                         f"custom_objects")
    if isinstance(cls, types.FunctionType):
        return cls
    with registry.CustomObjectScope(custom):
        if inspect.isclass(cls) and issubclass(cls, Layer):
            from ..models import Model, serialization

            entry = {k: v for k, v in config.items() if k != "module"}
            if issubclass(cls, Model):
                return serialization.model_from_config(entry, custom)
            return serialization.deserialize_layer(entry, custom)
        if not hasattr(cls, "from_config"):
            raise TypeError(f"Unable to reconstruct an instance of {class_name!r} because the "
                            f"class is missing a `from_config()` method. Full object config: "
                            f"{config}")
        try:
            return cls.from_config(inner or {})
        except TypeError as e:
            raise TypeError(f"{cls} could not be deserialized properly from config={config}: "
                            f"{e}") from e
