"""tf.keras 2 model and training configs, converted to the configs cuflow builds from and back.

Reading: a ``model_config`` becomes cuflow's model entry (Keras 2 node lists become Keras 3
call entries, implementation-only options are dropped) and a ``training_config`` a compile
config (``lr`` -> ``learning_rate``, ``MeanMetricWrapper`` -> metric names). A Keras 2
``Lambda`` layer, whose config holds marshalled Python bytecode, is refused by name.

Writing: cuflow's model entry in Keras 2 forms (``batch_input_shape``, nested-list
``inbound_nodes``, Keras 3-only options at their off values dropped).
"""

from __future__ import annotations

import json

from ..errors import UnsafeModelError
from ..models.serialization import model_to_config
from . import keras_compat, registry
from .model_file import json_default

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
_ACCURACY = ("accuracy", "acc")


# ---- reading -----------------------------------------------------------------------------------
def refuse_code_layers(config, what):
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


def single_output_metrics(spec, model):
    """tf.keras 2.4+ writes metrics per output (``[[...]]``); one output takes the inner list."""
    if isinstance(spec, list) and len(spec) == 1 and isinstance(spec[0], list) and \
            len(getattr(model, "outputs", None) or [None]) == 1:
        return spec[0]
    return spec


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
    entry = model_to_config(model)
    entry = json.loads(json.dumps(entry, default=json_default))  # a private copy
    if entry["class_name"] in ("Sequential", "Functional"):
        _keras2_model(entry)
    if entry["class_name"] == "Functional" and \
            any(isinstance(entry["config"].get(k), dict) for k in ("input_layers",
                                                                    "output_layers")):
        raise ValueError("a model with dict inputs or outputs cannot be written in the "
                         "tf.keras 2 HDF5 format; save as .cuflow instead")
    return entry


def keras2_training_config(model):
    cc = model.get_compile_config()
    opt = cc.get("optimizer")
    if isinstance(opt, dict):
        opt = {"class_name": opt.get("class_name"), "config": opt.get("config")}
    return {"loss": cc.get("loss"), "metrics": cc.get("metrics"),
            "weighted_metrics": cc.get("weighted_metrics"),
            "loss_weights": cc.get("loss_weights"), "optimizer_config": opt}
