"""``Sequential``: a plain stack of layers, each feeding the next, and its config."""

from __future__ import annotations

from ..layers import InputLayer, KerasTensor, Layer
from . import serialization
from .model import Model


class Sequential(Model):
    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        object.__setattr__(self, "_input_layer", None)  # not a tracked sublayer
        self._build_nodes = []
        object.__setattr__(self, "_layers", [])
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    def add(self, layer, rebuild=True):
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history[0]
            if not isinstance(origin, InputLayer):
                raise ValueError("Sequential.add only accepts an Input() tensor among symbolic "
                                 "tensors")
            layer = origin
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("an InputLayer must be the first layer of a Sequential model")
            object.__setattr__(self, "_input_layer", layer)
        elif isinstance(layer, Layer):
            if any(existing.name == layer.name for existing in self._layers):
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name {layer.name!r} is already the name of a layer in "
                                 f"this model. Update the `name` argument to pass a unique name.")
            if not self._layers and self._input_layer is None and \
                    layer._batch_input_shape is not None:
                object.__setattr__(self, "_input_layer",
                                   InputLayer(batch_shape=layer._batch_input_shape))
            elif not self._layers and self._input_layer is None and \
                    isinstance(layer, Model) and layer.built and \
                    len(getattr(layer, "_flat_inputs", None) or
                        getattr(layer, "inputs", [])) == 1:
                # a built model as the first layer: the Sequential takes its input (Keras)
                first = (getattr(layer, "_flat_inputs", None) or layer.inputs)[0]
                object.__setattr__(self, "_input_layer",
                                   InputLayer(batch_shape=first.shape, dtype=first.dtype))
            self._layers.append(layer)
        else:
            raise TypeError(f"Sequential.add expects a Layer; received {type(layer).__name__}")
        if rebuild:
            self._maybe_build_graph()

    def pop(self, rebuild=True):
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self._drop_graph()
        if rebuild:
            self._maybe_build_graph()
        return layer

    def _drop_graph(self):
        for layer, node in self._build_nodes:
            if node in layer._inbound_nodes:
                layer._inbound_nodes.remove(node)
        self._build_nodes = []
        self.built = False
        self._input_batch_shapes = None

    def _maybe_build_graph(self):
        if self._input_layer is None:
            return
        self._drop_graph()
        x = self._input_layer.output_tensor
        self._graph_input = x
        for layer in self._layers:
            x = layer(x)
            self._build_nodes.append((layer, layer._inbound_nodes[-1]))
        self._graph_output = x
        self._input_batch_shapes = [self._input_layer.batch_shape]
        self.input_names = [self._input_layer.name]
        self.output_names = [self._layers[-1].name] if self._layers else []
        self.built = True

    def build(self, input_shape=None):
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("Sequential.build needs an input_shape (the model has no Input)")
        else:
            object.__setattr__(self, "_input_layer",
                               InputLayer(batch_shape=tuple(input_shape)))
        self._maybe_build_graph()

    def _maybe_build(self, input_shape):
        if not self.built:
            if not (isinstance(input_shape, tuple)):
                raise ValueError("a Sequential model takes a single input")
            self.build((None,) + tuple(input_shape[1:]))

    @property
    def inputs(self):
        if not self.built:  # as Keras: hasattr(model, "inputs") is False before build
            raise AttributeError(f"Sequential model {self.name!r} has no inputs yet")
        return [self._graph_input]

    @property
    def outputs(self):
        if not self.built:
            raise AttributeError(f"Sequential model {self.name!r} has no outputs yet")
        return [self._graph_output]

    @property
    def input(self):
        if not self.built:
            raise AttributeError(f"Sequential model {self.name!r} has no input yet: give the "
                                 f"first layer an input_shape or call the model on data")
        return self._graph_input

    @property
    def output(self):
        if not self.built:
            raise AttributeError(f"Sequential model {self.name!r} has no output yet")
        return self._graph_output

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        if self.built:
            return self._graph_output.shape
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                             for layer in self._layers]}
        if self._input_layer is not None:
            config["build_input_shape"] = list(self._input_layer.batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Sequential from ``get_config()`` or a file's config."""
        entries = config.get("layers")
        if not isinstance(entries, list):
            raise ValueError("a Sequential config needs a 'layers' list")
        serialization.check_layer_classes(entries, custom_objects)
        layers = [serialization.deserialize_layer(e, custom_objects) for e in entries]
        model = Sequential(layers, name=config.get("name"),
                           trainable=config.get("trainable", True))
        shape = config.get("build_input_shape")
        if shape is not None and not model.built:
            model.build(tuple(shape))
        return model


def sequential_config(model):
    """The config a file holds: ``get_config()`` with the InputLayer listed first (as Keras 3,
    keeping the input's name) and each layer's registered name; unregistered layers refused."""
    config = model.get_config()
    layers = list(config.get("layers", []))
    for layer in model.layers:
        serialization.check_savable(layer)
    if model._input_layer is not None and not (layers and layers[0]["class_name"] ==
                                               "InputLayer"):
        layers.insert(0, {"class_name": "InputLayer", "config": model._input_layer.get_config()})
    for entry, layer in zip(layers[-len(model.layers):] if model.layers else [], model.layers):
        entry.update(serialization.class_entry(layer))
    config["layers"] = layers
    return config
