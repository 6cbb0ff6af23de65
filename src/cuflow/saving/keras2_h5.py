"""Whole-model HDF5 files of tf.keras 2 (``model.save("model.h5")``), read and written (their
JSON configs are converted by ``keras2_config``).

The layout (tf.keras 2 ``save_model_to_hdf5``)::

    attrs: keras_version, backend, model_config (JSON), training_config (JSON, optional)
    model_weights/            attrs layer_names, backend, keras_version
        <layer>/              attr weight_names, e.g. ["dense/kernel:0", "dense/bias:0"]
            dense/kernel:0    one dataset per weight, at the path its name gives
    optimizer_weights/        attr weight_names (optional)

Reading never runs anything from the file: the JSON configs pass through ``validate`` (class
names only, looked up in cuflow's closed registry) before and after their conversion to the
configs cuflow builds from; a Keras 2 ``Lambda`` layer, whose config holds marshalled Python
bytecode, is refused by name. Attributes and datasets are size-checked before they are read,
and every array's shape is checked against the layer's weight before any weight changes.

Writing produces the same layout with Keras 2 forms (``batch_input_shape``, nested-list
``inbound_nodes``), atomically, and marks the file with a ``cuflow_version`` attribute so that
cuflow reloads its own optimizer state strictly.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np

from ..errors import UnsafeModelError
from . import archive, compile_config, h5, keras2_config, validate, weights
from .model_file import json_default

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
KERAS_VERSION = "2.15.0"  # the layout written; tf.keras only special-cases "1"
MAX_ATTR_BYTES = validate.MAX_CONFIG_BYTES
MAX_NAMES = 1 << 20

_SLOTS = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat", "rms": "velocity",
          "mg": "average_gradient", "momentum": "momentum", "accumulator": "accumulator",
          "velocity": "velocity", "velocity_hat": "velocity_hat", "linear": "linear",
          "accumulated_grad": "accumulated_grad", "accumulated_delta_var":
          "accumulated_delta_var", "average_gradient": "average_gradient"}
_ITERATION_NAMES = ("iter", "iteration", "iterations")


def is_hdf5(path):
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_SIGNATURE
    except OSError:
        return False


# ---- reading: attributes ------------------------------------------------------------------------
def _attr_size(obj, name):
    h5py = h5.require_h5py()
    try:
        aid = h5py.h5a.open(obj.id, name.encode("utf-8"))
        return int(aid.get_storage_size())
    except Exception:  # noqa: BLE001 - an unreadable attribute is reported by the read below
        return 0


def _read_attr(obj, name, what):
    """An attribute's value; a fixed-size one is size-checked before it is read (a
    variable-length string lives in the file's heap, so it is bounded by the file's size)."""
    size = _attr_size(obj, name)
    if size > MAX_ATTR_BYTES:
        raise UnsafeModelError(f"{what}: attribute {name!r} of {obj.name!r} is {size} bytes, "
                               f"above the limit {MAX_ATTR_BYTES}")
    try:
        return obj.attrs[name]
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise ValueError(f"{what}: cannot read attribute {name!r} of {obj.name!r} ({e})") \
            from None


def _text(value, where):
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        raise UnsafeModelError(f"{where} must be a string; received {type(value).__name__}")
    if len(value) > MAX_ATTR_BYTES:  # a variable-length string's size is known only now
        raise UnsafeModelError(f"{where} is {len(value)} bytes, above the limit "
                               f"{MAX_ATTR_BYTES}")
    return value


def _json_attr(f, name, what):
    if name not in f.attrs:
        return None
    text = _text(_read_attr(f, name, what), f"{what}: attribute {name!r}")
    return validate.parse_json(text, f"{what} {name}")


def _names_attr(obj, name, what):
    """A list-of-strings attribute (``layer_names`` / ``weight_names``)."""
    if name not in obj.attrs:
        return []
    value = _read_attr(obj, name, what)
    arr = np.asarray(value)
    if arr.size == 0:  # tf.keras writes an empty list as an empty float array
        return []
    if arr.ndim > 1 or arr.size > MAX_NAMES or arr.dtype.kind not in "SUO":
        raise UnsafeModelError(f"{what}: attribute {name!r} of {obj.name!r} must be a list of "
                               f"names; received dtype {arr.dtype} shape {arr.shape}")
    out = []
    for v in arr.reshape(-1):
        if isinstance(v, bytes):
            try:
                v = v.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"{what}: {name!r} of {obj.name!r} is not UTF-8") from None
        if not isinstance(v, str) or not v or len(v) > 1024:
            raise UnsafeModelError(f"{what}: {name!r} of {obj.name!r} holds an invalid name "
                                   f"{str(v)[:80]!r}")
        out.append(v)
    return out


# ---- reading: weights ---------------------------------------------------------------------------
def _strip(name):
    return name[:-2] if name.endswith(":0") else name


def _read_layer_weights(root, what):
    """``{layer name: [(weight name, array)]}`` in the file's layer order (``layer_names``)."""
    out = {}
    for name in _names_attr(root, "layer_names", what):
        if name not in root:
            raise ValueError(f"{what}: layer {name!r} is listed in layer_names but the file has "
                             f"no group for it (the file is damaged or crafted)")
        group = root[name]
        h5py = h5.require_h5py()
        if not isinstance(group, h5py.Group):
            raise ValueError(f"{what}: {group.name!r} must be a group of weights")
        pairs = []
        for wn in _names_attr(group, "weight_names", what):
            obj = group.get(wn)
            if not isinstance(obj, h5py.Dataset):
                raise ValueError(f"{what}: weight {wn!r} of layer {name!r} is missing")
            pairs.append((wn, h5._read_dataset(obj, what)))
        if pairs:
            out[name] = pairs
    return out


def _order_like(layer, pairs):
    """The file's arrays in ``layer.weights`` order: by weight name when both sides name the
    same set uniquely (so trainable-first orders of frozen layers still match), else in the
    file's order (Keras 2 and cuflow both follow Keras's per-layer weight order)."""
    mine = [_strip(str(v.name)) for v in layer.weights]
    theirs = [_strip(n) for n, _ in pairs]
    for key in (lambda s: s, lambda s: s.split("/", 1)[-1], lambda s: s.rsplit("/", 1)[-1]):
        a, b = [key(s) for s in mine], [key(s) for s in theirs]
        if len(set(a)) == len(a) == len(b) == len(set(b)) and set(a) == set(b):
            index = {n: i for i, n in enumerate(b)}
            return [pairs[index[n]][1] for n in a]
    return [arr for _, arr in pairs]


def _assign_weights(model, layer_pairs, what):
    groups = {}
    children = dict(weights.named_children(model))
    for name, pairs in layer_pairs.items():
        layer = children.get(name)
        groups[f"layers/{name}"] = _order_like(layer, pairs) if layer is not None else \
            [a for _, a in pairs]
    weights.load_by_path(model, groups, what)


# ---- reading: optimizer state -------------------------------------------------------------------
def _keras2_slots(named):
    """``{(variable path, cuflow slot): array}`` and the iteration counters, from tf.keras 2
    names: legacy ``Adam/dense/kernel/m:0`` or Keras 2.11+ ``Adam/m/dense/kernel:0``."""
    slots, counters = {}, []
    for n, arr in named:
        parts = _strip(n).split("/")
        if parts[-1] in _ITERATION_NAMES:
            counters.append(arr)
            continue
        for i in range(len(parts)):  # an optimizer-name prefix is optional
            rest = parts[i:]
            if len(rest) >= 2 and rest[-1] in _SLOTS:
                slots.setdefault(("/".join(rest[:-1]), _SLOTS[rest[-1]]), []).append(arr)
            if len(rest) >= 2 and rest[0] in _SLOTS:
                slots.setdefault(("/".join(rest[1:]), _SLOTS[rest[0]]), []).append(arr)
    return slots, counters


def _optimizer_store_keras2(opt, model, named, what):
    """Map tf.keras 2 optimizer weights onto ``opt.variables`` by variable path and slot.
    Returns the store, or None (with a warning) when the state does not map one-to-one."""
    slots, counters = _keras2_slots(named)
    owners = [(str(v.name).replace("/", "_").replace(":", "_") + "_", _strip(str(v.name)), v)
              for v in model.trainable_weights]
    store, used, problem = {}, set(), None
    for i, var in enumerate(opt.variables):
        vname = str(var.name)
        if var is opt.iterations:
            if len(counters) != 1:
                problem = "no single iteration counter"
                break
            store[str(i)] = np.asarray(counters[0]).astype(np.int64).reshape(())
            used.add(id(counters[0]))
            continue
        if vname.endswith("/learning_rate"):  # restored from the config already
            store[str(i)] = np.asarray(var.numpy())
            continue
        match = [(p, path) for p, path, _ in owners if vname.startswith(p)]
        if not match:
            problem = f"optimizer variable {vname!r} belongs to no model variable"
            break
        prefix, path = max(match, key=lambda m: len(m[0]))
        found = [a for a in slots.get((path, vname[len(prefix):]), [])
                 if tuple(np.shape(a)) == tuple(var.shape)]
        if len({id(a) for a in found}) != 1:
            problem = f"no single value for {vname[len(prefix):]!r} of {path!r}"
            break
        store[str(i)] = found[0]
        used.add(id(found[0]))
    if problem is None and len(used) != len(named):
        problem = f"the file holds {len(named)} values, {len(used)} of them match"
    if problem is not None:
        warnings.warn(f"{what}: the optimizer state in the file does not match "
                      f"{type(opt).__name__} for this model ({problem}); the optimizer starts "
                      f"fresh, as Keras does", UserWarning, stacklevel=4)
        return None
    return store


def _restore_optimizer(model, named, own, what):
    opt = model.optimizer
    if opt is None or not named:
        return
    if not opt.built:
        opt.build(model.trainable_weights)
    if own:  # cuflow's own file: its order, strictly
        if len(named) != len(opt.variables):
            raise ValueError(f"{what}: the optimizer state holds {len(named)} values but "
                             f"{type(opt).__name__} has {len(opt.variables)} for this model")
        opt.load_own_variables({str(i): a for i, (_, a) in enumerate(named)})
        return
    store = _optimizer_store_keras2(opt, model, named, what)
    if store is not None:
        opt.load_own_variables(store)


# ---- reading: the plan --------------------------------------------------------------------------
def plan(path, what, custom_objects):
    """Read and check the whole file; returns the plan ``api.load_model`` runs."""
    f = h5.open_file(path, what)
    with f:
        h5.check_file(f, what)
        raw = _json_attr(f, "model_config", what)
        if raw is None:
            raise ValueError(f"{what} is an HDF5 file without a model_config attribute: it holds "
                             f"weights only. Build the model in code, then call "
                             f"model.load_weights({path!r})")
        keras2_config.refuse_code_layers(raw, what)
        validate.check_config(raw, custom_objects, f"{what} model_config")
        training = _json_attr(f, "training_config", what)
        if training is not None:
            keras2_config.refuse_code_layers(training, what)
            validate.check_tree(training, f"{what} training_config")
        entry = keras2_config.model_entry(raw, custom_objects)
        compile_cfg = keras2_config.compile_config(training)
        validate.check_config({"model": entry, "compile": compile_cfg}, custom_objects,
                              f"{what} model_config (converted)")
        root = f["model_weights"] if "model_weights" in f else None
        layer_pairs = _read_layer_weights(root, what) if root is not None else {}
        own = "cuflow_version" in f.attrs
        named = []
        if "optimizer_weights" in f:
            group = f["optimizer_weights"]
            for wn in _names_attr(group, "weight_names", what):
                obj = group.get(wn)
                if obj is None or not hasattr(obj, "shape"):
                    raise ValueError(f"{what}: optimizer weight {wn!r} is missing")
                named.append((wn, h5._read_dataset(obj, what)))

    def compile_model(model):
        config = dict(compile_cfg)
        for key in ("metrics", "weighted_metrics"):
            config[key] = keras2_config.single_output_metrics(config[key], model)
        if own:
            compile_config.compile_model(model, config, custom_objects)
        else:
            try:
                compile_config.compile_model(model, config, custom_objects)
            except (ValueError, TypeError, KeyError) as e:
                warnings.warn(f"{what}: the training configuration could not be restored "
                              f"({e}); the model is returned uncompiled: call compile()",
                              UserWarning, stacklevel=3)
                return
        _restore_optimizer(model, named, own, what)

    return {"what": what, "entry": entry, "compile_config": compile_cfg,
            "assign": lambda model: _assign_weights(model, layer_pairs, what),
            "compile": compile_model, "optimizer_store": None, "strict_optimizer": own}


def _unique(names):
    seen, out = {}, []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n[:-2] if n.endswith(':0') else n}_{k}:0")
    return out


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_./:\-]")


def _weight_name(name):
    name = _SAFE_NAME.sub("_", str(name)).strip("/") or "variable"
    name = re.sub(r"/+", "/", name)
    return name if name.endswith(":0") else f"{name}:0"


def _write_named(group, arrays_by_name):
    names = _unique([n for n, _ in arrays_by_name])
    group.attrs["weight_names"] = np.array([n.encode("utf-8") for n in names], dtype="S")
    for n, (_, arr) in zip(names, arrays_by_name):
        group.create_dataset(n, data=arr)


def save(model, path, overwrite=True, include_optimizer=True):
    """``model.save("x.h5")``: the tf.keras 2 whole-model layout, written atomically."""
    from .. import __version__

    h5py = h5.require_h5py()
    entry = keras2_config.keras2_model_config(model)
    compiled = bool(getattr(model, "compiled", False))
    training = keras2_config.keras2_training_config(model) if compiled else None
    texts = {"model_config": json.dumps(entry, default=json_default)}
    if training is not None:
        texts["training_config"] = json.dumps(training, default=json_default)
    for key, text in texts.items():  # what a loader will demand
        validate.check_tree(json.loads(text), f"the model's {key}")
    layer_data = [(name, [(_weight_name(v.name), np.array(v.numpy(), copy=True))
                          for v in layer.weights])
                  for name, layer in weights.named_children(model)]
    opt_data = None
    opt = model.optimizer if compiled else None
    if include_optimizer and opt is not None and getattr(opt, "built", False):
        opt_data = [(_weight_name(f"{opt.name}/{str(v.name).split('/', 1)[-1]}"
                                  if "/" in str(v.name) else f"{opt.name}/{v.name}"),
                     np.array(v.numpy(), copy=True)) for v in opt.variables]

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = KERAS_VERSION
            f.attrs["backend"] = "cuflow"
            f.attrs["cuflow_version"] = str(__version__)
            for key, text in texts.items():
                f.attrs[key] = text.encode("utf-8")
            mw = f.create_group("model_weights")
            mw.attrs["keras_version"] = KERAS_VERSION
            mw.attrs["backend"] = "cuflow"
            mw.attrs["layer_names"] = np.array([n.encode("utf-8") for n, _ in layer_data],
                                               dtype="S")
            for name, arrays in layer_data:
                _write_named(mw.create_group(name), arrays)
            if opt_data:
                _write_named(f.create_group("optimizer_weights"), opt_data)

    archive.atomic_write(path, write, overwrite=overwrite, by_path=True)
