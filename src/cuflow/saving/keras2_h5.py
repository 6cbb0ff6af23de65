"""Whole-model HDF5 files of tf.keras 2 (``model.save("model.h5")``), read and written.

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
from . import archive, h5, keras_compat, registry, serialization, validate, weights

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
KERAS_VERSION = "2.15.0"  # the layout written; tf.keras only special-cases "1"
MAX_ATTR_BYTES = validate.MAX_CONFIG_BYTES
MAX_NAMES = 1 << 20

_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_CODE_LAYERS = ("Lambda", "TFOpLambda", "SlicingOpLambda")
# Keras 2 options that select an implementation, never a result
_IMPLEMENTATION_KEYS = {"implementation": ("LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D",
                                           "ConvLSTM3D", "LSTMCell", "GRUCell"),
                        "fused": ("BatchNormalization",)}
# cuflow / Keras 3 options tf.keras 2 does not know, dropped on writing at their off values
_KERAS3_ONLY = {"lora_rank": (None,), "quantization_config": (None,), "synchronized": (False,),
                "use_cudnn": ("auto", None), "lora_alpha": (None,)}
_RECURRENT = ("LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell", "ConvLSTM1D",
              "ConvLSTM2D", "ConvLSTM3D")
# Keras 2 optimizer slot names -> cuflow's (Keras 3's)
_SLOTS = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat", "rms": "velocity",
          "mg": "average_gradient", "momentum": "momentum", "accumulator": "accumulator",
          "velocity": "velocity", "velocity_hat": "velocity_hat", "linear": "linear",
          "accumulated_grad": "accumulated_grad", "accumulated_delta_var":
          "accumulated_delta_var", "average_gradient": "average_gradient"}
_ITERATION_NAMES = ("iter", "iteration", "iterations")
_ACCURACY = ("accuracy", "acc")


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


# ---- reading: configs ---------------------------------------------------------------------------
def _refuse_code_layers(config, what):
    """A Keras 2 Lambda config carries ``function``: marshalled bytecode (or a module path).
    Name it precisely before the generic class-name check would."""
    stack = [config]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
            if value.get("class_name") in _CODE_LAYERS:
                name = (value.get("config") or {}).get("name") if isinstance(
                    value.get("config"), dict) else None
                raise UnsafeModelError(
                    f"{what}: layer {name!r} is a Keras {value['class_name']} layer. In a "
                    f"tf.keras 2 HDF5 file its 'function' field is marshalled Python bytecode "
                    f"(or the name of a module function), which would run on load; cuflow "
                    f"never executes code from model files. Rebuild the model in code with "
                    f"the Lambda replaced by a registered Layer subclass, then load the "
                    f"weights with model.load_weights(path, by_name=True)")


def _clean(entry, custom_objects):
    """One Keras 2 layer entry, in place: config values in cuflow's forms."""
    name = entry.get("class_name")
    config = entry.get("config")
    if name in _MODEL_CLASSES:
        _convert_model(entry, custom_objects)
        return
    if not isinstance(config, dict):
        return
    for key, classes in _IMPLEMENTATION_KEYS.items():
        if name in classes:
            config.pop(key, None)
    if name == "BatchNormalization" and isinstance(config.get("axis"), list) and \
            len(config["axis"]) == 1:
        config["axis"] = config["axis"][0]  # tf.keras 2 stores the built axis as [k]
    for key in ("layer", "backward_layer", "cell"):  # wrappers and RNNs hold inner layers
        inner = config.get(key)
        if isinstance(inner, dict) and "class_name" in inner:
            _clean(inner, custom_objects)
        elif isinstance(inner, list):
            for e in inner:
                if isinstance(e, dict) and "class_name" in e:
                    _clean(e, custom_objects)
    keras_compat._clean_layer(entry, custom_objects)


def _ktensor(ref):
    if not (isinstance(ref, list) and len(ref) >= 3 and isinstance(ref[0], str)):
        raise ValueError(f"Keras 2 inbound node entry must be [layer, node, tensor, kwargs]; "
                         f"received {str(ref)[:120]}")
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None, "dtype": "float32", "keras_history": list(ref[:3])}}


def _convert_node(node):
    if isinstance(node, dict):  # already the Keras 3 form
        return node
    if not isinstance(node, list) or not node:
        raise ValueError(f"Keras 2 inbound node must be a non-empty list; received "
                         f"{str(node)[:120]}")
    tensors = [_ktensor(ref) for ref in node]
    kwargs = node[0][3] if len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": dict(kwargs)}


def _convert_model(entry, custom_objects):
    """A Keras 2 model entry, in place (nested models included)."""
    config = entry.get("config")
    if isinstance(config, list):  # Keras <= 2.2 wrote a Sequential as a bare list of layers
        config = entry["config"] = {"name": None, "layers": config}
    if not isinstance(config, dict):
        raise ValueError("Keras 2 model_config: the model 'config' must be an object")
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ValueError("Keras 2 model_config: the model needs a 'layers' list")
    if entry.get("class_name") == "Model" and "input_layers" in config:
        entry["class_name"] = "Functional"
    for layer_entry in layers:
        if not isinstance(layer_entry, dict):
            raise ValueError("Keras 2 model_config: each layer must be an object")
        if "inbound_nodes" in layer_entry:
            nodes = layer_entry["inbound_nodes"]
            if not isinstance(nodes, list):
                raise ValueError("Keras 2 model_config: inbound_nodes must be a list")
            layer_entry["inbound_nodes"] = [_convert_node(n) for n in nodes]
        _clean(layer_entry, custom_objects)


def model_entry(model_config, custom_objects=None):
    """A tf.keras 2 ``model_config`` -> cuflow's model entry (a new object)."""
    if not isinstance(model_config, dict) or "class_name" not in model_config:
        raise ValueError("Keras 2 model_config must be an object with 'class_name' and "
                         "'config'")
    entry = keras_compat.convert({k: v for k, v in model_config.items()
                                  if k in ("class_name", "config", "registered_name")})
    if entry["class_name"] not in _MODEL_CLASSES and \
            registry.resolve_class(entry["class_name"], entry.get("registered_name"),
                                   custom_objects) is None:
        raise ValueError(f"Keras 2 model_config names the model class "
                         f"{entry['class_name']!r}; tf.keras 2 HDF5 files hold Sequential and "
                         f"functional models (subclassed ones need a registered class)")
    if entry["class_name"] in _MODEL_CLASSES:
        _convert_model(entry, custom_objects)
    return entry


def _convert_optimizer(spec):
    if isinstance(spec, str) or spec is None:
        return spec
    if not isinstance(spec, dict):
        raise ValueError(f"Keras 2 training_config: optimizer_config must be an object; "
                         f"received {type(spec).__name__}")
    name = spec.get("class_name")
    config = dict(spec.get("config") or {})
    if isinstance(name, str) and name.startswith("Custom>"):  # tf.keras 2.11+ legacy names
        from .. import optimizers

        tail = name.split(">", 1)[1]
        if registry.get_registered_object(name) is None and \
                getattr(optimizers, tail, None) is not None:
            name = tail
    if "lr" in config and "learning_rate" not in config:
        config["learning_rate"] = config.pop("lr")
    for key in ("jit_compile", "is_legacy_optimizer"):
        config.pop(key, None)
    if config.get("decay") in (0, 0.0, None):
        config.pop("decay", None)  # a non-zero decay reaches the optimizer, which warns
    return {"class_name": name, "config": config}


def _convert_loss(spec):
    if isinstance(spec, dict) and "class_name" in spec:
        config = dict(spec.get("config") or {})
        if config.get("reduction") == "auto":
            config["reduction"] = "sum_over_batch_size"
        return {"class_name": spec["class_name"], "config": config}
    if isinstance(spec, dict):
        return {k: _convert_loss(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_convert_loss(v) for v in spec]
    return spec


def _convert_metric(spec):
    if isinstance(spec, list):
        return [_convert_metric(v) for v in spec]
    if isinstance(spec, dict) and spec.get("class_name") == "MeanMetricWrapper":
        config = spec.get("config") or {}
        name, fn = config.get("name"), config.get("fn")
        if name in _ACCURACY:
            return "accuracy"  # cuflow picks the variant from the loss, as tf.keras did
        return fn if isinstance(fn, str) else name
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _convert_metric(v) for k, v in spec.items()}
    return spec


def compile_config(training_config):
    """A tf.keras 2 ``training_config`` -> a cuflow compile config (or None)."""
    if training_config is None:
        return None
    if not isinstance(training_config, dict):
        raise ValueError("Keras 2 training_config must be an object")
    return {"optimizer": _convert_optimizer(training_config.get("optimizer_config")),
            "loss": _convert_loss(training_config.get("loss")),
            "metrics": _convert_metric(training_config.get("metrics")),
            "weighted_metrics": _convert_metric(training_config.get("weighted_metrics")),
            "loss_weights": training_config.get("loss_weights")}


def _single_output_metrics(spec, model):
    """tf.keras 2.4+ writes metrics per output (``[[...]]``); one output takes the inner list."""
    if isinstance(spec, list) and len(spec) == 1 and isinstance(spec[0], list) and \
            len(getattr(model, "outputs", None) or [None]) == 1:
        return spec[0]
    return spec


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
        _refuse_code_layers(raw, what)
        validate.check_config(raw, custom_objects, f"{what} model_config")
        training = _json_attr(f, "training_config", what)
        if training is not None:
            _refuse_code_layers(training, what)
            validate.check_tree(training, f"{what} training_config")
        entry = model_entry(raw, custom_objects)
        compile_cfg = compile_config(training)
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
            config[key] = _single_output_metrics(config[key], model)
        if own:
            serialization.compile_model(model, config, custom_objects)
        else:
            try:
                serialization.compile_model(model, config, custom_objects)
            except (ValueError, TypeError, KeyError) as e:
                warnings.warn(f"{what}: the training configuration could not be restored "
                              f"({e}); the model is returned uncompiled: call compile()",
                              UserWarning, stacklevel=3)
                return
        _restore_optimizer(model, named, own, what)

    return {"what": what, "entry": entry, "compile_config": compile_cfg,
            "assign": lambda model: _assign_weights(model, layer_pairs, what),
            "compile": compile_model, "optimizer_store": None, "strict_optimizer": own}


# ---- writing ------------------------------------------------------------------------------------
def _ref(kt, where):
    if isinstance(kt, dict) and kt.get("class_name") == "__keras_tensor__":
        return list(kt["config"]["keras_history"])
    raise ValueError(f"{where}: a layer call takes a non-tensor positional input, which the "
                     f"tf.keras 2 HDF5 format cannot hold; save as .cuflow instead")


def _has_tensor(x):
    if isinstance(x, dict):
        return x.get("class_name") == "__keras_tensor__" or any(_has_tensor(v)
                                                                for v in x.values())
    if isinstance(x, list):
        return any(_has_tensor(v) for v in x)
    return False


def _keras2_node(node, layer_name):
    where = f"layer {layer_name!r}"
    args = node.get("args") or []
    kwargs = node.get("kwargs") or {}
    if len(args) != 1 or _has_tensor(kwargs):
        raise ValueError(f"{where} is called with extra positional arguments or tensor keyword "
                         f"arguments, which the tf.keras 2 HDF5 format cannot hold; save as "
                         f".cuflow instead")
    inputs = args[0]
    if isinstance(inputs, dict) and inputs.get("class_name") != "__keras_tensor__":
        raise ValueError(f"{where} takes a dict of inputs, which the tf.keras 2 HDF5 format "
                         f"cannot hold; save as .cuflow instead")
    refs = [_ref(t, where) for t in (inputs if isinstance(inputs, list) else [inputs])]
    return [r + [dict(kwargs)] for r in refs]


def _keras2_layer(entry):
    """cuflow layer entry -> tf.keras 2 form, in place (recursing into wrappers / models)."""
    name = entry.get("class_name")
    config = entry.get("config")
    if name in ("Sequential", "Functional"):
        _keras2_model(entry)
        return
    if not isinstance(config, dict):
        return
    if name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
        config.setdefault("ragged", False)
    for key, offs in _KERAS3_ONLY.items():
        if key in config and config[key] in offs:
            del config[key]
    if name in _RECURRENT and config.get("seed") is None:
        config.pop("seed", None)
    for key in ("layer", "backward_layer", "cell"):
        inner = config.get(key)
        if isinstance(inner, dict) and "class_name" in inner:
            inner.pop("module", None)
            _keras2_layer(inner)


def _keras2_model(entry):
    config = entry["config"]
    for layer_entry in config.get("layers") or []:
        if "inbound_nodes" in layer_entry:
            layer_name = layer_entry.get("name")
            layer_entry["inbound_nodes"] = [_keras2_node(n, layer_name)
                                            for n in layer_entry["inbound_nodes"]]
        _keras2_layer(layer_entry)


def keras2_model_config(model):
    entry = serialization.model_to_config(model)
    entry = json.loads(json.dumps(entry, default=_json_default))  # a private copy
    if entry["class_name"] in ("Sequential", "Functional"):
        _keras2_model(entry)
    if entry["class_name"] == "Functional" and \
            any(isinstance(entry["config"].get(k), dict) for k in ("input_layers",
                                                                    "output_layers")):
        raise ValueError("a model with dict inputs or outputs cannot be written in the "
                         "tf.keras 2 HDF5 format; save as .cuflow instead")
    return entry


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot save {type(obj).__name__} {obj!r} in a model config: configs hold "
                    f"JSON values only (a get_config() returned it)")


def keras2_training_config(model):
    cc = model.get_compile_config()
    opt = cc.get("optimizer")
    if isinstance(opt, dict):
        opt = {"class_name": opt.get("class_name"), "config": opt.get("config")}
    return {"loss": cc.get("loss"), "metrics": cc.get("metrics"),
            "weighted_metrics": cc.get("weighted_metrics"),
            "loss_weights": cc.get("loss_weights"), "optimizer_config": opt}


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
    entry = keras2_model_config(model)
    compiled = bool(getattr(model, "compiled", False))
    training = keras2_training_config(model) if compiled else None
    texts = {"model_config": json.dumps(entry, default=_json_default)}
    if training is not None:
        texts["training_config"] = json.dumps(training, default=_json_default)
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
