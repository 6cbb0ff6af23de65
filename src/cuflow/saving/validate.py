"""Checks on a file's ``config.json`` before anything is built from it.

A config is data: JSON scalars, lists and dicts of bounded size. Class names are checked against
the closed registry, identifier-like fields against the modules that resolve them, and strings
that look like code references (``os.system``, ``__import__``), file paths or URLs are refused.
Every refusal is an ``UnsafeModelError`` or a ``ValueError`` that names the offending field.
"""

from __future__ import annotations

import json
import re

from ..errors import UnsafeModelError
from . import registry

MAX_CONFIG_BYTES = 16 << 20
MAX_DEPTH = 64
MAX_NODES = 2_000_000
MAX_STRING = 1 << 16
MAX_DIM = 1 << 26  # one dimension in a shape-like field: keeps layer builds allocatable
MAX_INT = 1 << 63

# fields whose ints are sizes of weights or activations
_DIM_KEYS = frozenset({"units", "input_dim", "output_dim", "filters", "n", "batch_shape",
                       "build_input_shape", "batch_input_shape", "input_shape", "target_shape",
                       "shape", "input_length", "num_heads", "key_dim", "value_dim", "size",
                       "kernel_size", "pool_size", "strides", "num_tokens", "max_tokens",
                       "depth", "num_classes"})
# class names any Keras-shaped config uses for plain data, never for code
_DATA_CLASSES = frozenset({"__keras_tensor__", "__tuple__", "function", "DTypePolicy",
                           "FloatDTypePolicy", "Policy"})
# module roots, callables and attribute names that only a malicious file would mention
_DANGER_ROOTS = ("os", "posix", "nt", "subprocess", "builtins", "__builtin__", "__builtins__",
                 "importlib", "sys", "shutil", "socket", "pickle", "cPickle", "dill",
                 "cloudpickle", "marshal", "ctypes", "runpy", "pty", "code", "codeop",
                 "webbrowser", "urllib", "http", "requests", "numpy", "np", "pathlib", "io",
                 "types", "inspect", "gc", "signal", "multiprocessing", "threading", "asyncio")
_DANGER_NAMES = frozenset({"eval", "exec", "compile", "__import__", "open", "system", "popen",
                           "getattr", "setattr", "delattr", "globals", "locals", "vars", "input",
                           "breakpoint", "exit", "quit", "execfile", "spawn", "load", "loads",
                           "import_module", "reload", "__reduce__", "__reduce_ex__",
                           "__getattr__", "__class__", "__globals__", "__subclasses__",
                           "__builtins__", "__code__", "__init__"})
_DANGER_PATH = re.compile(r"^(%s)\.[A-Za-z_]" % "|".join(re.escape(r) for r in _DANGER_ROOTS))
_DUNDER = re.compile(r"__[A-Za-z0-9_]+__")
_URL_OR_PATH = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://|file:|data:|/|~|[A-Za-z]:[\\/]|\\\\)"
                          r"|(^|[\\/])\.\.([\\/]|$)")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REGISTERED = re.compile(r"^[A-Za-z0-9_.\-]+>[A-Za-z_][A-Za-z0-9_]*$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def parse_json(data, what):
    """Bytes -> a JSON value; duplicate keys, oversize input and bad UTF-8 are refused."""
    if len(data) > MAX_CONFIG_BYTES:
        raise UnsafeModelError(f"{what} is {len(data)} bytes, above the limit "
                               f"{MAX_CONFIG_BYTES} for a config")

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise UnsafeModelError(f"{what} repeats the key {k!r} in one object")
            out[k] = v
        return out

    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=pairs)
    except UnicodeDecodeError as e:
        raise ValueError(f"{what} is not UTF-8 text: {e}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} is not valid JSON: {e}") from None
    except RecursionError:
        raise UnsafeModelError(f"{what} nests too deeply") from None


def _check_string(s, where):
    if len(s) > MAX_STRING:
        raise UnsafeModelError(f"config field {where} holds a string of {len(s)} characters, "
                               f"above the limit {MAX_STRING}")
    if _DANGER_PATH.match(s) or (_DUNDER.search(s) and s not in _DATA_CLASSES):
        raise UnsafeModelError(f"config field {where} names Python code ({s[:80]!r}); model "
                               f"files name registered classes only")
    if _URL_OR_PATH.search(s):
        raise UnsafeModelError(f"config field {where} holds what looks like a file path or URL "
                               f"({s[:80]!r}); model files never refer to other files")


def _check_identifier(value, where, pattern=_IDENT):
    if not isinstance(value, str) or not pattern.match(value):
        raise UnsafeModelError(f"config field {where} must be a plain class name; received "
                               f"{str(value)[:80]!r}")
    if value in _DANGER_NAMES or value.split(">")[-1] in _DANGER_NAMES:
        raise UnsafeModelError(f"config field {where} names the Python callable {value!r}; "
                               f"model files name registered classes only")


def check_tree(config, what="config.json"):
    """Structure, sizes, keys and strings of a whole config; returns the number of nodes."""
    count = 0
    stack = [(config, "$", 0, None)]
    while stack:
        value, where, depth, key = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise UnsafeModelError(f"{what} has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise UnsafeModelError(f"{what} nests deeper than {MAX_DEPTH} levels at {where}")
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str) or len(k) > 256:
                    raise UnsafeModelError(f"{what}: invalid key {str(k)[:80]!r} at {where}")
                if k == "safe_mode":
                    raise UnsafeModelError(f"{what} sets 'safe_mode' at {where}; a file cannot "
                                           f"change how it is loaded")
                if k == "weights" and v is not None:
                    raise UnsafeModelError(f"{what} carries weight values in a config at "
                                           f"{where}; weights are read from the weights file "
                                           f"only")
                _check_string(k, f"{where} (key)")
                stack.append((v, f"{where}.{k}", depth + 1, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                stack.append((v, f"{where}[{i}]", depth + 1, key))
        elif isinstance(value, str):
            _check_string(value, where)
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int):
            limit = MAX_DIM if key in _DIM_KEYS else MAX_INT
            if abs(value) > limit:
                raise UnsafeModelError(f"config field {where} = {value} is above the limit "
                                       f"{limit}; refusing to allocate from it")
        elif isinstance(value, float):
            pass
        else:  # json.loads makes nothing else, but a caller may hand us a Python dict
            raise UnsafeModelError(f"config field {where} holds a {type(value).__name__}; only "
                                   f"JSON values are allowed")
    return count


def _resolvable(name, registered, custom_objects):
    return registry.get_registered_object(name, custom_objects) is not None or (
        registered is not None and registry.get_registered_object(registered, custom_objects)
        is not None)


def check_class_names(config, custom_objects=None, what="config.json"):
    """Every ``class_name`` in the tree is known; ``module`` fields are plain and harmless.

    Unknown names are listed together in one ValueError, so a user sees every missing class.
    """
    known = registry.known_class_names(custom_objects) | _DATA_CLASSES
    unknown = []
    stack = [(config, "$")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
            continue
        if not isinstance(value, dict):
            continue
        stack.extend((v, f"{where}.{k}") for k, v in value.items())
        if "class_name" not in value:
            continue
        name = value["class_name"]
        registered = value.get("registered_name")
        _check_identifier(name, f"{where}.class_name")
        if name in registry.FORBIDDEN_CLASS_NAMES or registered in registry.FORBIDDEN_CLASS_NAMES:
            raise UnsafeModelError(f"{what} contains a {name} layer at {where}: Lambda layers "
                                   f"are Python code and are never loaded from files (rebuild "
                                   f"the layer in code, or save it as a registered Layer "
                                   f"subclass)")
        if registered is not None and registered != name and name != "function":
            _check_identifier(registered, f"{where}.registered_name", _REGISTERED)
        module = value.get("module")
        if module is not None:
            if not isinstance(module, str) or not _MODULE.match(module):
                raise UnsafeModelError(f"config field {where}.module is not a module name")
            root = module.split(".")[0]
            if root not in ("keras", "cuflow", "tf_keras", "tensorflow") and \
                    not _resolvable(name, registered, custom_objects):
                raise UnsafeModelError(f"config field {where}.module names {module!r} for "
                                       f"class {name!r} (registered as {registered!r}), which "
                                       f"is not registered in cuflow: cuflow never imports "
                                       f"modules from files and finds classes by name only; "
                                       f"register the class (cuflow.saving."
                                       f"register_keras_serializable) or pass custom_objects")
        if name == "function":  # Keras's form of a plain function, e.g. an activation name
            if not isinstance(value.get("config"), str):
                raise UnsafeModelError(f"config field {where} is a function without a name")
            _check_identifier(value["config"], f"{where}.config")
            continue
        if name not in known and not _resolvable(name, registered, custom_objects):
            unknown.append(name if registered in (None, name) else f"{name} ({registered})")
    if unknown:
        raise ValueError(f"{what} names unknown class(es) {sorted(set(unknown))}; known classes "
                         f"are the built-in ones, those registered with "
                         f"cuflow.saving.register_serializable, and those passed in "
                         f"custom_objects")


def check_identifier_fields(config, custom_objects=None):
    """String activations / initializers / regularizers / constraints resolve by name now, so a
    bad name fails before any layer is built (resolving builds only small value objects)."""
    from .. import activations, constraints, initializers, regularizers

    lookups = (("activation", activations), ("_initializer", initializers),
               ("_regularizer", regularizers), ("_constraint", constraints))
    stack = [(config, "$")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                stack.append((v, f"{where}.{k}"))
                if not isinstance(v, str):
                    continue
                for suffix, mod in lookups:
                    if k == suffix or (suffix.startswith("_") and k.endswith(suffix)):
                        # a built-in name, or "Package>name" of a function the program
                        # registered itself (looked up in the registry, nothing imported)
                        _check_identifier(v, f"{where}.{k}",
                                          _REGISTERED if ">" in v else _IDENT)
                        if custom_objects and v in custom_objects:
                            break
                        try:
                            mod.deserialize(v)
                        except (ValueError, TypeError, KeyError) as e:
                            raise ValueError(f"config field {where}.{k}: {e}") from None
                        break


def check_config(config, custom_objects=None, what="config.json"):
    """All checks, in order: shape of the data, class names, then named functions."""
    check_tree(config, what)
    check_class_names(config, custom_objects, what)
    check_identifier_fields(config, custom_objects)
