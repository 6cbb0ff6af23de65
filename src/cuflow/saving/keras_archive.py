"""Writing genuine Keras 3 ``.keras`` archives, which ``keras.saving.load_model`` opens.

The zip holds what Keras 3 writes:

- ``config.json``: every object as ``{"module", "class_name", "config", "registered_name"}``
  with Keras's module names (``keras.layers``, ``keras.initializers``, ``keras``,
  ``keras.src.models.functional`` ...; a registered class keeps its own module and its
  ``"Package>Name"``), the model's ``build_config`` and ``compile_config``;
- ``metadata.json``: ``keras_version`` (the Keras 3 layout this follows) and ``date_saved``;
- ``model.weights.h5``: every variable at its Keras 3 path (``keras_layout``), then the
  optimizer's variables under ``optimizer/vars``.

cuflow's own zip (``config.json`` + ``.npz`` weights, hashed) keeps the ``.cuflow`` suffix.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile

from ..models.serialization import model_to_config
from ..registration import get_registered_object
from . import archive, h5
from .model_file import json_default

KERAS_VERSION = "3.15.1"  # the archive layout written (Keras 3.8 and later read it)
_DATA = ("__keras_tensor__", "__tuple__", "function")
_MODEL_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional",
                  "Model": "keras"}
# which Keras module holds the object a config key names
_KEY_MODULES = (("_initializer", "keras.initializers"), ("_regularizer", "keras.regularizers"),
                ("_constraint", "keras.constraints"))


def _module_of(name, registered, key):
    if registered:
        obj = get_registered_object(registered)
        return getattr(obj, "__module__", None) or "builtins"
    if name in _MODEL_MODULES:
        return _MODEL_MODULES[name]
    for suffix, module in _KEY_MODULES:
        if key and key.endswith(suffix):
            return module
    if key == "optimizer":
        return "keras.optimizers"
    if key in ("loss", "losses"):
        return "keras.losses"
    if key in ("metrics", "weighted_metrics"):
        return "keras.metrics"
    if key == "learning_rate":
        return "keras.optimizers.schedules"
    return "keras.layers"


def to_keras(value, key=None):
    """A cuflow config (``{"class_name", "config"}`` objects) in Keras 3's serialized form."""
    if isinstance(value, list):
        return [to_keras(v, key) for v in value]
    if not isinstance(value, dict):
        return value
    name = value.get("class_name")
    if not isinstance(name, str) or name in _DATA or "config" not in value:
        return {k: to_keras(v, k) for k, v in value.items()}
    registered = value.get("registered_name")
    registered = registered if isinstance(registered, str) and ">" in registered else None
    out = {"module": _module_of(name, registered, key), "class_name": name,
           "config": to_keras(value["config"], None), "registered_name": registered}
    for k, v in value.items():
        if k not in out:
            out[k] = to_keras(v, k)
    return out


def _build_config(model, entry):
    shape = entry.get("build_input_shape") or (entry.get("config") or {}).get(
        "build_input_shape")
    if shape is None and getattr(model, "built", False):
        inputs = getattr(model, "inputs", None) or []
        if len(inputs) == 1:
            shape = list(inputs[0].shape)
    return {"input_shape": shape} if shape is not None else None


def _compile_config(model):
    cc = dict(model.get_compile_config())
    cc.setdefault("run_eagerly", False)
    cc.setdefault("steps_per_execution", 1)
    return {k: to_keras(v, k) for k, v in cc.items()}


def _single_refs(model, config):
    """Keras writes a model built on one bare tensor with bare ``[name, node, index]`` refs
    (cuflow lists them): a nested model whose output is listed would hand the next layer a
    list. In place, nested models included."""
    from ..layers import KerasTensor
    from ..models import Functional, Sequential

    if isinstance(model, Functional):
        for attr, key in (("_inputs_struct", "input_layers"),
                          ("_outputs_struct", "output_layers")):
            refs = config.get(key)
            if isinstance(getattr(model, attr, None), KerasTensor) and \
                    isinstance(refs, list) and len(refs) == 1 and isinstance(refs[0], list):
                config[key] = refs[0]
    if isinstance(model, (Functional, Sequential)):
        entries = {(e.get("config") or {}).get("name"): e for e in config.get("layers") or []
                   if isinstance(e, dict)}
        for layer in model.layers:
            entry = entries.get(layer.name)
            if isinstance(layer, (Functional, Sequential)) and entry is not None:
                _single_refs(layer, entry["config"])


def _positional_args(model, config):
    """cuflow records a call such as ``mha(q, v)`` with its tensors keyed by the call's
    parameter names (``{"query": q, "value": v}``); Keras lists them positionally. In place,
    nested models included."""
    import inspect

    from ..models import Functional, Sequential

    if not isinstance(model, (Functional, Sequential)):
        return
    layers = {layer.name: layer for layer in model.layers}
    for entry in config.get("layers") or []:
        layer = layers.get(entry.get("name") or (entry.get("config") or {}).get("name"))
        if layer is None:
            continue
        if isinstance(layer, (Functional, Sequential)):
            _positional_args(layer, entry["config"])
            continue
        try:
            params = [p.name for p in inspect.signature(layer.call).parameters.values()
                      if p.kind is p.POSITIONAL_OR_KEYWORD]
        except (TypeError, ValueError):
            continue
        for node in entry.get("inbound_nodes") or []:
            args = node.get("args") if isinstance(node, dict) else None
            if isinstance(args, list) and len(args) == 1 and isinstance(args[0], dict) and \
                    "class_name" not in args[0] and set(args[0]) == set(params[:len(args[0])]):
                node["args"] = [args[0][p] for p in params[:len(args[0])]]


def keras_config(model, include_compile=True):
    """The ``config.json`` object for ``model``."""
    entry = json.loads(json.dumps(model_to_config(model), default=json_default))
    config = to_keras({k: v for k, v in entry.items() if k != "build_input_shape"})
    _single_refs(model, config["config"])
    _positional_args(model, config["config"])
    config["build_config"] = _build_config(model, entry)
    compiled = include_compile and getattr(model, "compiled", False)
    config["compile_config"] = _compile_config(model) if compiled else None
    return config


def write(model, path, overwrite=True, include_optimizer=True):
    """``model`` as a Keras 3 archive at ``path``."""
    from .. import __version__

    h5py = h5.require_h5py()
    config = keras_config(model)
    metadata = {"keras_version": KERAS_VERSION, "cuflow_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    optimizer = model.optimizer if include_optimizer and getattr(model, "compiled", False) \
        and getattr(model.optimizer, "built", False) else None
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        h5.write_weights_to(f, model, optimizer)
    members = [("metadata.json", json.dumps(metadata).encode("utf-8"), zipfile.ZIP_STORED),
               ("config.json", json.dumps(config, default=json_default).encode("utf-8"),
                zipfile.ZIP_STORED),
               ("model.weights.h5", buf.getvalue(), zipfile.ZIP_STORED)]
    archive.atomic_write(path, lambda f: archive.write_zip(f, members), overwrite=overwrite)
