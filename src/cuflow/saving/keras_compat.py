"""Reading Keras 3 ``.keras`` archives: their config mapped onto cuflow classes by class name.

Keras 3 writes every object as ``{"module", "class_name", "config", "registered_name"}``. The
``module`` is never imported: the class name alone is looked up in cuflow's closed registry.
Keras-only details are dropped only where dropping cannot change results (dtype policies become
dtype names; unknown options set to None / False / empty); anything else is refused by name.
"""

from __future__ import annotations

import inspect

from ..layers.layer import _BASE_KWARGS, Layer
from . import registry

_POLICIES = ("DTypePolicy", "FloatDTypePolicy", "Policy")


def is_keras_archive(config, members):
    if not isinstance(config, dict) or config.get("format") == "cuflow":
        return False
    module = config.get("module")
    return "metadata.json" in members or (isinstance(module, str) and
                                          module.split(".")[0] == "keras")


def _policy_dtype(value):
    name = (value.get("config") or {}).get("name") if isinstance(value, dict) else value
    # a mixed policy keeps float32 variables; cuflow computes in float32 too
    return name if name in ("float16", "float32", "float64") else "float32"


def convert(value):
    """Keras 3 serialized objects -> cuflow's ``{"class_name", "config"}`` form, recursively."""
    if isinstance(value, list):
        return [convert(v) for v in value]
    if not isinstance(value, dict):
        return value
    name = value.get("class_name")
    if name is None:
        return {k: convert(v) for k, v in value.items()}
    if name in _POLICIES:
        return _policy_dtype(value)
    if name == "__tuple__":
        return [convert(v) for v in (value.get("config") or {}).get("value", [])]
    if name == "function":  # a plain function by name, e.g. an activation or a loss
        return value.get("config")
    out = {"class_name": name, "config": convert(value.get("config"))}
    registered = value.get("registered_name")
    if isinstance(registered, str) and registered != name and ">" in registered:
        out["registered_name"] = registered
    for key in ("name", "inbound_nodes"):  # functional layer entries
        if key in value:
            out[key] = convert(value[key])
    if name == "__keras_tensor__" and isinstance(out["config"], dict):
        out["config"]["dtype"] = _policy_dtype(out["config"].get("dtype", "float32"))
    return out


def accepted_keys(cls):
    """Keyword arguments ``cls(...)`` takes, following ``**kwargs`` up to ``Layer``."""
    keys = set(_BASE_KWARGS)
    for c in cls.__mro__:
        if "__init__" not in c.__dict__:
            continue
        params = inspect.signature(c.__init__).parameters.values()
        keys.update(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                         p.KEYWORD_ONLY) and p.name != "self")
        if c is Layer or not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    # convolutions take <weight>_initializer / _regularizer / _constraint through **kwargs
    for w in getattr(cls, "_WEIGHTS", ()):
        keys.update(f"{w}_{kind}" for kind in ("initializer", "regularizer", "constraint"))
    return keys


# options that change nothing while another option leaves them unused
_UNUSED_UNLESS = {"renorm_momentum": "renorm", "renorm_clipping": "renorm"}
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_KEY_KINDS = (("_initializer", "initializers"), ("_regularizer", "regularizers"),
              ("_constraint", "constraints"))


def _object_class(entry, key, custom_objects):
    """The cuflow class a nested config object names (a layer, or by its key an initializer,
    regularizer or constraint), or None."""
    import importlib

    name = entry.get("class_name")
    for suffix, module in _KEY_KINDS:
        if key and key.endswith(suffix):
            cls = getattr(importlib.import_module(f"cuflow.{module}"), name, None) \
                if isinstance(name, str) else None
            return cls if inspect.isclass(cls) else None
    return registry.resolve_class(name, entry.get("registered_name"), custom_objects,
                                  base=Layer)


def _check_keys(entry, cls, custom_objects):
    config = entry["config"]
    if registry.is_registered(cls) or cls.__name__ in (custom_objects or {}):
        return  # custom classes get their config as written
    keys = accepted_keys(cls)
    for k in list(config):
        if k in keys:
            continue
        off = config[k] in (None, False, {}, [], 0)
        unused = k in _UNUSED_UNLESS and not config.get(_UNUSED_UNLESS[k])
        if off or unused:
            del config[k]  # a Keras option that is off or unused: dropping it changes nothing
        else:
            raise ValueError(f"Keras {entry['class_name']} option {k}={config[k]!r} is not "
                             f"supported by cuflow's {cls.__name__}")


def _clean_tree(value, custom_objects, key=None):
    """Every nested object's config, in place: Keras-only keys dropped where they change
    nothing (``_check_keys``), dtype policies as dtype names; nested models recurse."""
    if isinstance(value, list):
        for v in value:
            _clean_tree(v, custom_objects, key)
        return
    if not isinstance(value, dict):
        return
    config = value.get("config")
    name = value.get("class_name")
    if not isinstance(name, str) or not isinstance(config, dict) or name == "__keras_tensor__":
        for k, v in value.items():
            _clean_tree(v, custom_objects, k)
        return
    for k, v in config.items():
        _clean_tree(v, custom_objects, k)
    if name in _MODEL_CLASSES:
        return  # a nested model: its layers were cleaned above
    cls = _object_class(value, key, custom_objects)
    if cls is not None:
        _check_keys(value, cls, custom_objects)
    if "dtype" in config and isinstance(config["dtype"], dict):
        config["dtype"] = _policy_dtype(config["dtype"])


def _clean_layer(entry, custom_objects):
    """One layer entry (and what it nests), in place: see ``_clean_tree``."""
    _clean_tree(entry, custom_objects)


def keras_model_entry(config, custom_objects=None, written_by_cuflow=False):
    """A Keras 3 top-level config -> ``(model entry, compile_config or None)``. An archive
    cuflow wrote holds cuflow's own configs: their keys need no Keras-to-cuflow check."""
    entry = convert({k: v for k, v in config.items() if k in ("class_name", "config",
                                                               "registered_name")})
    model_config = entry.get("config")
    if not isinstance(model_config, dict):
        raise ValueError("Keras config: the model 'config' must be an object")
    if not written_by_cuflow:
        _clean_tree(model_config, custom_objects)
    if entry["class_name"] == "Sequential" and "build_input_shape" not in model_config:
        shape = (config.get("build_config") or {}).get("input_shape")
        if shape is not None:
            model_config["build_input_shape"] = shape
    compile_config = config.get("compile_config")
    return entry, (convert(compile_config) if isinstance(compile_config, dict) else None)
