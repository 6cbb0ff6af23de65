"""Functional models: a graph of layer calls from ``Input`` tensors to outputs."""

from __future__ import annotations

from ..layers import InputLayer, KerasTensor
from ..tree import flatten as _flatten
from ..tree import map_structure
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
        layers = []
        for t in flat_in:  # Keras lists the input layers first, in the order given
            layer = t._keras_history[0]
            if all(layer is not x for x in layers):
                layers.append(layer)
        for n in self._nodes:
            if all(n.layer is not x for x in layers):
                layers.append(n.layer)
        object.__setattr__(self, "_layers", layers)
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
        from ..saving import serialization

        return serialization.functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import serialization

        return serialization.functional_from_config(config, custom_objects=custom_objects)
