"""Models to configs and back: Sequential, Functional (Keras 3 graph layout), registered
subclassed models; plus compile configs.

A functional config lists each layer once with the calls it makes inside the model::

    {"name", "trainable", "layers": [{"class_name", "config", "name", "inbound_nodes":
        [{"args": [<inputs>, ...], "kwargs": {...}}]}],
     "input_layers": [[name, node_index, tensor_index], ...], "output_layers": [...]}

where a symbolic tensor inside ``args`` is ``{"class_name": "__keras_tensor__", "config":
{"shape", "dtype", "keras_history": [layer_name, node_index, tensor_index]}}`` as in Keras 3.
Node indices count only the calls that belong to this model.
"""

from __future__ import annotations

import inspect

from ..layers import InputLayer, KerasTensor, Layer
from ..tree import flatten as _flatten
from . import registry


def _models():
    from ..models import Functional, Model, Sequential

    return Model, Sequential, Functional


# ---- layers -------------------------------------------------------------------------------------
def class_entry(obj):
    """``{"class_name", "registered_name"?}`` for a layer or model instance."""
    cls = type(obj)
    entry = {"class_name": cls.__name__}
    if registry.is_registered(cls):
        entry["registered_name"] = registry.get_registered_name(cls)
    return entry


def _check_savable(layer):
    builtin = registry.builtin_classes().get(type(layer).__name__)
    if builtin is type(layer) or registry.is_registered(type(layer)):
        return
    raise ValueError(f"layer {layer.name!r} is an instance of {type(layer).__name__}, which is "
                     f"not registered: decorate the class with "
                     f"@cuflow.saving.register_serializable() and give it get_config(), so that "
                     f"loading can find it by name (or use model.save_weights)")


def serialize_layer(layer):
    Model, _, _ = _models()
    if isinstance(layer, Model):  # a nested model: its graph, not just its name
        return model_to_config(layer)
    _check_savable(layer)
    return {**class_entry(layer), "config": layer.get_config()}


def deserialize_layer(entry, custom_objects=None):
    cls = registry.resolve_class(entry.get("class_name"), entry.get("registered_name"),
                                 custom_objects, base=Layer)
    if cls is None:
        raise ValueError(f"unknown layer class {entry.get('class_name')!r}")
    _, Sequential, Functional = _models()
    if cls in (Sequential, Functional):  # nested models rebuild through their graph configs
        return model_from_config(entry, custom_objects)
    config = dict(entry.get("config") or {})
    if _takes_custom(cls.from_config):  # wrappers / RNNs deserialize their inner layers
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def _takes_custom(fn):
    try:
        return "custom_objects" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def check_layer_classes(entries, custom_objects=None):
    """Every entry of a ``layers`` list names a Layer class (checked before building any)."""
    bad = [e.get("class_name") for e in entries if not isinstance(e, dict) or
           registry.resolve_class(e.get("class_name"), e.get("registered_name"),
                                  custom_objects, base=Layer) is None]
    if bad:
        raise ValueError(f"the model config lists unknown layer class(es) {bad}; register them "
                         f"with cuflow.saving.register_serializable or pass custom_objects")


# ---- functional graphs --------------------------------------------------------------------------
def functional_config(model, layer_entry=None):
    """The Keras 3 style graph config; ``layer_entry(layer)`` replaces ``serialize_layer``."""
    nodes = [t._keras_history[0]._inbound_nodes[t._keras_history[1]] for t in model.inputs]
    nodes += list(model._nodes)
    node_ids = {id(n) for n in nodes}
    # a layer's node index inside this model: its calls elsewhere (other models) do not count
    index = {}
    for layer in model.layers:
        k = 0
        for n in layer._inbound_nodes:
            if id(n) in node_ids:
                index[id(n)] = k
                k += 1

    def tensor_ref(kt):
        layer, node_index, tensor_index = kt._keras_history
        return [layer.name, index[id(layer._inbound_nodes[node_index])], tensor_index]

    def ser(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype,
                               "keras_history": tensor_ref(x)}}
        if isinstance(x, dict):
            return {k: ser(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [ser(v) for v in x]
        return x

    layers = []
    for layer in model.layers:
        entry = (layer_entry or serialize_layer)(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": [ser(n.inputs)] + [ser(a) for a in n.args], "kwargs": ser(dict(n.kwargs))}
            for n in layer._inbound_nodes if id(n) in node_ids and not isinstance(layer,
                                                                                   InputLayer)]
        layers.append(entry)

    def refs(struct):
        if isinstance(struct, KerasTensor):
            return [tensor_ref(struct)]
        if isinstance(struct, dict):
            return {k: tensor_ref(v) for k, v in struct.items()}
        return [tensor_ref(t) for t in _flatten(struct)]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": refs(model._inputs_struct),
            "output_layers": refs(model._outputs_struct)}


def _is_ref(x):
    return isinstance(x, list) and len(x) == 3 and isinstance(x[0], str) and \
        all(isinstance(i, int) and not isinstance(i, bool) for i in x[1:])


def functional_from_config(config, custom_objects=None, layer_fn=None, input_tensors=None):
    """Rebuild the graph: create each layer, then replay its calls once their inputs exist.

    ``layer_fn(entry) -> Layer`` replaces deserialization (clone_model); ``input_tensors``
    (``{input_layer_name: KerasTensor}``) replaces the model's Input layers.
    """
    _, _, Functional = _models()
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError("a functional config needs a 'layers' list")
    if layer_fn is None:
        check_layer_classes(entries, custom_objects)
    made, outputs = {}, {}  # layer name -> layer; (name, node index) -> output structure
    pending = []
    for entry in entries:
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        if not isinstance(name, str) or name in made:
            raise ValueError(f"functional config: layer names must be unique strings; received "
                             f"{name!r}")
        if entry.get("class_name") == "InputLayer" and input_tensors and name in input_tensors:
            kt = input_tensors[name]
            made[name] = kt._keras_history[0]
            outputs[(name, 0)] = kt
            continue
        layer = layer_fn(entry) if layer_fn is not None else \
            deserialize_layer(entry, custom_objects)
        made[name] = layer
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = layer.output_tensor
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(f"functional config: inbound_nodes of {name!r} must be a list")
        pending.extend((name, i, node) for i, node in enumerate(nodes))

    def lookup(ref):
        name, node_index, tensor_index = ref
        out = outputs.get((name, node_index))
        if out is None:
            return None
        flat = _flatten(out)
        if not 0 <= tensor_index < len(flat):
            raise ValueError(f"functional config refers to output {tensor_index} of layer "
                             f"{name!r} call {node_index}, which has {len(flat)} output(s)")
        return flat[tensor_index]

    class _Missing(Exception):
        pass

    def de(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            ref = (x.get("config") or {}).get("keras_history")
            if not _is_ref(ref):
                raise ValueError(f"functional config: bad keras_history {ref!r}")
            t = lookup(ref)
            if t is None:
                raise _Missing
            return t
        if isinstance(x, dict) and x.get("class_name") == "__tuple__":
            return tuple(de(v) for v in (x.get("config") or {}).get("value", []))
        if isinstance(x, dict):
            return {k: de(v) for k, v in x.items()}
        if isinstance(x, list):
            return [de(v) for v in x]
        return x

    # replay calls in dependency order; each round must make progress or the graph is broken
    while pending:
        left = []
        for name, i, node in pending:
            if not isinstance(node, dict):
                raise ValueError(f"functional config: a call of layer {name!r} is not an object")
            if any((name, j) not in outputs for j in range(i)):
                left.append((name, i, node))
                continue
            try:
                args = de(node.get("args") or [])
                kwargs = de(node.get("kwargs") or {})
            except _Missing:
                left.append((name, i, node))
                continue
            if not args:
                raise ValueError(f"functional config: call {i} of layer {name!r} has no inputs")
            outputs[(name, i)] = made[name](args[0], *args[1:], **kwargs)
        if len(left) == len(pending):
            raise ValueError(f"functional config: calls of layer(s) "
                             f"{sorted({n for n, _, _ in left})} wait on inputs that are never "
                             f"produced")
        pending = left

    def tensors(spec, what):
        if _is_ref(spec):
            t = lookup(spec)
            if t is None:
                raise ValueError(f"functional config: {what} refers to {spec}, which is never "
                                 f"produced")
            return t
        if isinstance(spec, dict):
            return {k: tensors(v, what) for k, v in spec.items()}
        if isinstance(spec, list):
            out = [tensors(v, what) for v in spec]
            return out[0] if len(out) == 1 else out  # Keras writes a single tensor as [[...]]
        raise ValueError(f"functional config: bad {what} {spec!r}")

    ins = tensors(config.get("input_layers"), "input_layers")
    outs = tensors(config.get("output_layers"), "output_layers")
    return Functional(ins, outs, name=config.get("name"), trainable=config.get("trainable", True))


# ---- models -------------------------------------------------------------------------------------
def sequential_config(model):
    config = model.get_config()
    layers = list(config.get("layers", []))
    for layer in model.layers:
        _check_savable(layer)
    # Keras 3 lists the InputLayer first; keeping it keeps the input's name
    if model._input_layer is not None and not (layers and layers[0]["class_name"] ==
                                               "InputLayer"):
        layers.insert(0, {"class_name": "InputLayer", "config": model._input_layer.get_config()})
    for entry, layer in zip(layers[-len(model.layers):] if model.layers else [], model.layers):
        entry.update(class_entry(layer))
    config["layers"] = layers
    return config


def sequential_from_config(config, custom_objects=None, layer_fn=None):
    _, Sequential, _ = _models()
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError("a Sequential config needs a 'layers' list")
    check_layer_classes(entries, custom_objects)
    make = layer_fn or (lambda e: deserialize_layer(e, custom_objects))
    layers = [make(e) for e in entries]
    model = Sequential(layers, name=config.get("name"), trainable=config.get("trainable", True))
    shape = config.get("build_input_shape")
    if shape is not None and not model.built:
        model.build(tuple(shape))
    return model


def model_to_config(model):
    """``{"class_name", "registered_name"?, "config", "build_input_shape"?}`` for any model."""
    Model, Sequential, Functional = _models()
    cls = type(model)
    if cls is Sequential:
        return {"class_name": "Sequential", "config": sequential_config(model)}
    if cls is Functional:
        return {"class_name": "Functional", "config": functional_config(model)}
    overrides = any("get_config" in c.__dict__ for c in cls.__mro__
                    if c not in (Model, Sequential, Functional, Layer, object) and
                    issubclass(c, Model))
    if not (registry.is_registered(cls) and overrides):
        raise ValueError(f"cannot save the subclassed model {cls.__name__!r} as a whole: it "
                         f"needs get_config() and @cuflow.saving.register_serializable() so "
                         f"loading can rebuild it by name without running code from the file. "
                         f"Save its weights instead: model.save_weights('x.weights.npz'), then "
                         f"rebuild the model in code and call load_weights")
    out = {**class_entry(model), "config": model.get_config()}
    shapes = getattr(model, "_input_batch_shapes", None)
    if model.built and shapes:
        shapes = [[None] + list(s[1:]) for s in shapes]
        out["build_input_shape"] = shapes[0] if len(shapes) == 1 else shapes
    return out


def model_from_config(entry, custom_objects=None):
    Model, _, _ = _models()
    name = entry.get("class_name")
    config = entry.get("config")
    if not isinstance(config, dict):
        raise ValueError("the model config must be an object")
    if name == "Sequential":
        return sequential_from_config(config, custom_objects)
    if name in ("Functional", "Model") and "input_layers" in config:
        return functional_from_config(config, custom_objects)
    cls = registry.resolve_class(name, entry.get("registered_name"), custom_objects, base=Model)
    if cls is None:
        raise ValueError(f"unknown model class {name!r}: register it with "
                         f"cuflow.saving.register_serializable or pass custom_objects")
    model = cls.from_config(dict(config))
    shape = entry.get("build_input_shape")
    if shape is not None and not model.built:
        shape = [tuple(s) for s in shape] if shape and isinstance(shape[0], list) \
            else tuple(shape)
        model.build(shape)
    return model


# ---- compile ------------------------------------------------------------------------------------
def _metrics_from_config(spec, custom_objects):
    from .. import metrics as metrics_mod

    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and "class_name" in spec:
        return metrics_mod.deserialize(spec, custom_objects=custom_objects)
    if isinstance(spec, dict):
        return {k: _metrics_from_config(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_metrics_from_config(v, custom_objects) for v in spec]
    return spec


def _loss_from_config(spec, custom_objects):
    from .. import losses as losses_mod

    if spec is None:
        return None
    if isinstance(spec, str) and custom_objects and spec in custom_objects:
        return custom_objects[spec]
    if isinstance(spec, str) or (isinstance(spec, dict) and "class_name" in spec):
        return losses_mod.deserialize(spec, custom_objects=custom_objects)
    if isinstance(spec, dict):
        return {k: _loss_from_config(v, custom_objects) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_loss_from_config(v, custom_objects) for v in spec]
    return spec


def compile_model(model, compile_config, custom_objects=None):
    """``model.compile`` from a compile config: every object resolved by name, nothing imported.
    Keys ``compile`` does not take (Keras-only ones) are dropped."""
    from .. import optimizers

    config = dict(compile_config)
    opt = config.get("optimizer")
    if isinstance(opt, dict):
        deser = optimizers.deserialize
        config["optimizer"] = deser(opt, custom_objects=custom_objects) if \
            _takes_custom(deser) else deser(opt)
    elif isinstance(opt, str):
        config["optimizer"] = optimizers.get(opt)
    config["loss"] = _loss_from_config(config.get("loss"), custom_objects)
    for key in ("metrics", "weighted_metrics"):
        config[key] = _metrics_from_config(config.get(key), custom_objects)
    accepted = inspect.signature(model.compile).parameters
    config = {k: v for k, v in config.items() if k in accepted}
    model.compile_from_config(config)

