"""Functional models: a graph of layer calls from ``Input`` tensors to outputs, and its config.

A functional config lists each layer once with the calls it makes inside the model::

    {"name", "trainable", "layers": [{"class_name", "config", "name", "inbound_nodes":
        [{"args": [<inputs>, ...], "kwargs": {...}}]}],
     "input_layers": [[name, node_index, tensor_index], ...], "output_layers": [...]}

where a symbolic tensor inside ``args`` is ``{"class_name": "__keras_tensor__", "config":
{"shape", "dtype", "keras_history": [layer_name, node_index, tensor_index]}}`` as in Keras 3.
Node indices count only the calls that belong to this model.
"""

from __future__ import annotations

from ..layers import InputLayer, KerasTensor
from ..tree import flatten as _flatten
from ..tree import map_structure
from . import serialization
from .model import Model


def _check_symbolic(structure, what):
    for t in _flatten(structure):
        if not isinstance(t, KerasTensor):
            raise TypeError(f"Model {what} must be symbolic tensors from cuflow.layers.Input or "
                            f"layer calls; received {type(t).__name__}")


def _toposort_nodes(outputs):
    """Nodes reachable from ``outputs``, each after the nodes producing its inputs."""
    order, seen = [], set()

    def visit(node):
        stack = [(node, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
                continue
            if id(n) in seen:
                continue
            seen.add(id(n))
            stack.append((n, True))
            for p in n.parent_nodes:
                if id(p) not in seen:
                    stack.append((p, False))

    for kt in _flatten(outputs):
        layer, idx, _ = kt._keras_history
        visit(layer._inbound_nodes[idx])
    return order


def _keras_layer_order(flat_in, outputs):
    """``model.layers`` as Keras 3 orders them: by depth (the longest path to an output),
    deepest first; at equal depth, in the order a depth-first walk from the outputs (each
    output in turn, each call's inputs in order) first meets them."""
    in_ids = {id(t) for t in flat_in}
    first_seen, finished, order = {}, set(), []  # order: nodes, inputs first

    def walk(kt):
        layer, idx, _ = kt._keras_history
        node = layer._inbound_nodes[idx]
        if id(node) in finished:
            return
        if id(kt) in in_ids and not isinstance(layer, InputLayer):
            finished.add(id(node))
            return
        first_seen.setdefault(id(layer), (len(first_seen), layer))
        stack = [(node, iter(() if isinstance(layer, InputLayer) else node.symbolic_inputs()))]
        while stack:
            n, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                stack.pop()
                finished.add(id(n))
                order.append(n)
                continue
            player, pidx, _ = nxt._keras_history
            pnode = player._inbound_nodes[pidx]
            if id(pnode) in finished:
                continue
            if id(nxt) in in_ids and not isinstance(player, InputLayer):
                finished.add(id(pnode))
                continue
            first_seen.setdefault(id(player), (len(first_seen), player))
            inner = () if isinstance(player, InputLayer) else pnode.symbolic_inputs()
            stack.append((pnode, iter(inner)))

    for kt in _flatten(outputs):
        walk(kt)
    in_graph = {id(n) for n in order}
    node_depth, layer_depth = {}, {}
    for n in reversed(order):
        depth = max(node_depth.setdefault(id(n), 0), layer_depth.get(id(n.layer), 0))
        layer_depth[id(n.layer)] = depth
        node_depth[id(n)] = depth
        if not isinstance(n.layer, InputLayer):
            for p in n.parent_nodes:
                if id(p) in in_graph:
                    node_depth[id(p)] = max(depth + 1, node_depth.get(id(p), 0))
    for t in flat_in:  # an input no output uses still comes first at its own depth
        layer = t._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = (-1, layer)
    ranked = sorted(first_seen.values(), key=lambda e: (-layer_depth[id(e[1])], e[0]))
    return [layer for _, layer in ranked]


class Functional(Model):
    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if inputs is None or outputs is None:
            raise ValueError("Model(inputs, outputs) needs both inputs and outputs")
        _check_symbolic(inputs, "inputs")
        _check_symbolic(outputs, "outputs")
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._dict_inputs = isinstance(inputs, dict)
        flat_in = _flatten(inputs)
        self._flat_inputs = flat_in
        nodes = _toposort_nodes(outputs)
        produced = {id(kt) for n in nodes for kt in _flatten(n.outputs)}
        for n in nodes:
            for kt in n.symbolic_inputs():
                if id(kt) not in produced:
                    raise ValueError(f"the graph is disconnected: {kt} is needed by layer "
                                     f"{n.layer.name!r} but is not derived from the model inputs")
        in_ids = {id(t) for t in flat_in}
        for n in nodes:
            if isinstance(n.layer, InputLayer) and id(n.outputs) not in in_ids:
                raise ValueError(f"the graph is disconnected: input {n.layer.name!r} is used by "
                                 f"the outputs but is not in Model(inputs=...)")
        self._nodes = [n for n in nodes if not isinstance(n.layer, InputLayer)]
        object.__setattr__(self, "_layers", _keras_layer_order(flat_in, outputs))
        self.input_names = [t._keras_history[0].name for t in flat_in]
        self.output_names = [t._keras_history[0].name for t in _flatten(outputs)]
        self._input_batch_shapes = [t.shape for t in flat_in]
        self.built = True

    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        return list(_flatten(self._outputs_struct))

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    def call(self, inputs, training=None, mask=None):
        if isinstance(inputs, dict) != isinstance(self._inputs_struct, dict):
            import warnings

            warnings.warn(f"The structure of `inputs` doesn't match the expected structure.\n"
                          f"Expected: {map_structure(lambda t: t.name, self._inputs_struct)}\n"
                          f"Received: inputs={type(inputs).__name__}", stacklevel=2)
        flat = _flatten(inputs)
        if len(flat) != len(self._flat_inputs):
            raise ValueError(f'model "{self.name}" expects {len(self._flat_inputs)} input(s) '
                             f"{self.input_names}; received {len(flat)}")
        values = {id(kt): t for kt, t in zip(self._flat_inputs, flat)}
        def resolve(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            args = map_structure(lambda kt: values[id(kt)], node.inputs)
            # tensors passed as extra positional / keyword arguments (layer(q, v, mask=m))
            extra = [map_structure(resolve, a) for a in node.args]
            kwargs = {k: map_structure(resolve, v) for k, v in node.kwargs.items()}
            if training is not None:
                kwargs["training"] = training
            out = node.layer(args, *extra, **kwargs)
            for kt, t in zip(_flatten(node.outputs), _flatten(out)):
                values[id(kt)] = t
        return map_structure(lambda kt: values[id(kt)], self._outputs_struct)

    def compute_output_shape(self, input_shape):
        return map_structure(lambda kt: kt.shape, self._outputs_struct)

    def get_config(self):
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if cls is Functional:
            return functional_from_config(config, custom_objects=custom_objects)
        return Model.from_config.__func__(cls, config, custom_objects=custom_objects)


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
        entry = (layer_entry or serialization.serialize_layer)(layer)
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


def functional_from_config(config, custom_objects=None, layer_fn=None, input_tensors=None,
                           model_cls=None):
    """Rebuild the graph: create each layer, then replay its calls once their inputs exist.

    ``layer_fn(entry) -> Layer`` replaces deserialization (clone_model); ``input_tensors``
    (``{input_layer_name: KerasTensor}``) replaces the model's Input layers.
    """
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError("a functional config needs a 'layers' list")
    if layer_fn is None:
        serialization.check_layer_classes(entries, custom_objects)
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
            serialization.deserialize_layer(entry, custom_objects)
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
    if model_cls is None:
        return Functional(ins, outs, name=config.get("name"),
                          trainable=config.get("trainable", True))
    # a Model subclass taking (inputs, outputs, ...) (Model.from_config): the config's other
    # keys (its own get_config's) are its keyword arguments, as Keras
    extra = {k: v for k, v in config.items() if k not in (
        "name", "trainable", "layers", "input_layers", "output_layers")}
    return model_cls(inputs=ins, outputs=outs, name=config.get("name"),
                     trainable=config.get("trainable", True), **extra)
