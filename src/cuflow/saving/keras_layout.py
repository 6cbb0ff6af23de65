"""Where Keras 3 puts each variable in a ``.weights.h5`` / ``model.weights.h5`` file.

Keras 3 walks the object tree, not layer names: a Sequential or functional model's layers sit
under ``layers/<snake_case class name>`` numbered by position among layers of the same class
(``layers/dense``, ``layers/dense_1``, ... whatever the layers are called), and any other
object's sub-layers under the attribute that holds them (``layers/lstm/cell``,
``layers/bidirectional/forward_layer/cell``), a list attribute numbering its layers by class as
above. Each object's own variables are ``<path>/vars/0, 1, ...`` (trainable ones first, in
creation order). An object reached twice (a shared layer) is stored once, at its first path.

Because paths come from classes and positions, a model built later in the same process (whose
layers are called ``dense_7``) reads the weights another model wrote.
"""

from __future__ import annotations

import re

from ..layers import InputLayer
from ..layers.layer import Layer

_BASE_ATTRS = None


def to_snake_case(name):
    """``"BatchNormalization"`` -> ``"batch_normalization"``, ``"Conv2D"`` -> ``"conv2d"``,
    ``"ReLU"`` -> ``"re_lu"`` (the rule Keras names its weight groups by)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _base_attrs():
    """Attributes every cuflow Layer has (Keras skips those of its base Layer likewise)."""
    global _BASE_ATTRS
    if _BASE_ATTRS is None:
        from ..models import Model

        _BASE_ATTRS = frozenset(vars(Layer(name="keras_layout_probe"))) | frozenset(dir(Model))
    return _BASE_ATTRS


def _name_key(attr):
    return f"~{attr}" if attr.startswith("_") else attr  # private attributes last, as Keras


def _children(obj):
    """``[(attr, Layer | [Layer])]`` in Keras's walking order."""
    from ..models import Functional, Sequential

    out = []
    if isinstance(obj, Functional):
        out.append(("layers", keras_layer_order(obj)))
    elif isinstance(obj, Sequential):
        out.append(("layers", list(obj.layers)))
    skip = _base_attrs()
    attrs = dict(vars(obj))
    # properties count too, as Keras walks dir(): MultiHeadAttention's query_dense
    for klass in type(obj).__mro__:
        for attr, member in vars(klass).items():
            if isinstance(member, property) and attr not in skip and attr not in attrs:
                try:
                    attrs[attr] = getattr(obj, attr)
                except Exception:  # noqa: BLE001 - as Keras: an attribute that fails is skipped
                    continue
    for attr in sorted(attrs, key=_name_key):
        if attr.startswith("__") or attr in skip:
            continue
        value = attrs[attr]
        if isinstance(value, InputLayer):
            continue  # a model's input placeholder: no variables, not a Keras attribute
        if isinstance(value, Layer) and value is not obj:
            out.append((attr, value))
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            layers = [v for v in items if isinstance(v, Layer) and v is not obj]
            if layers:
                out.append((attr, layers))
    return out


def keras_layer_order(model):
    """A functional model's layers in the order Keras 3 lists them (its ``map_graph``): by
    depth from the outputs, deepest (the inputs) first; within one depth, in the order a
    depth-first walk from the outputs first meets them. Unused inputs come last."""
    flat_inputs = {id(t) for t in model.inputs}
    finished, nodes, first_seen, by_id = set(), [], {}, {}

    def visit(kt):
        layer, idx, _ = kt._keras_history
        node = layer._inbound_nodes[idx]
        if id(node) in finished:
            return
        by_id[id(layer)] = layer
        first_seen.setdefault(id(layer), len(first_seen))
        if not isinstance(layer, InputLayer) and id(kt) not in flat_inputs:
            for parent in node.symbolic_inputs():
                visit(parent)
        finished.add(id(node))
        nodes.append(node)

    for kt in model.outputs:
        visit(kt)
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in finished:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for kt in model.inputs:
        layer = kt._keras_history[0]
        if id(layer) not in layer_depth:
            by_id[id(layer)] = layer
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = -1
    order = sorted(layer_depth, key=lambda i: (-layer_depth[i], first_seen[i]))
    return [by_id[i] for i in order]


def walk(model):
    """``[(path, layer)]`` for every object holding variables or sub-layers, the model first
    (path ``""``), in the order Keras writes them; each object once."""
    out, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            where = f"{path}/{attr}" if path else attr
            if isinstance(child, Layer):
                visit(child, where)
                continue
            used = {}
            for layer in child:
                name = to_snake_case(type(layer).__name__)
                if name in used:
                    used[name] += 1
                    name = f"{name}_{used[name]}"
                else:
                    used[name] = 0
                visit(layer, f"{where}/{name}")

    visit(model, "")
    return out


def vars_path(path):
    return f"{path}/vars" if path else "vars"


def groups(model):
    """``[(path, layer, own variables)]`` for the objects that own variables."""
    return [(path, layer, layer._all_own()) for path, layer in walk(model) if layer._all_own()]
