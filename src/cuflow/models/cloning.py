"""``clone_model``: the same architecture with fresh weights (as ``keras.models.clone_model``)."""

from __future__ import annotations

from ..layers import InputLayer, KerasTensor
from .functional import Functional, functional_config, functional_from_config
from .model import Model
from .sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None):
    """Same architecture, fresh weights. ``clone_function(layer) -> new layer`` (default: from
    the layer's config); ``input_tensors`` replaces the model's inputs."""
    if not isinstance(model, Model):
        raise TypeError(f"expected a cuflow Model; received {type(model).__name__}")

    def default_clone(layer):
        if type(layer) in (Sequential, Functional):
            return clone_model(layer)  # a nested model: Sequential has no from_config
        return type(layer).from_config(layer.get_config())

    fn = clone_function or default_clone
    cls = type(model)
    if cls is Sequential:
        layers = [fn(layer) for layer in model.layers]
        if input_tensors is not None:
            t = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors
            if not isinstance(t, KerasTensor):
                raise TypeError("clone_model: input_tensors must come from cuflow.layers.Input")
            layers.insert(0, t)
        elif model._input_layer is not None:
            src = model._input_layer
            layers.insert(0, InputLayer(batch_shape=src.batch_shape, dtype=src.dtype,
                                        name=src.name))
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if cls is Functional:
        originals = {layer.name: layer for layer in model.layers}

        def layer_fn(entry):
            orig = originals[entry["name"]]
            if isinstance(orig, InputLayer):
                return InputLayer(batch_shape=orig.batch_shape, dtype=orig.dtype, name=orig.name)
            return fn(orig)

        replace = None
        if input_tensors is not None:
            given = input_tensors if isinstance(input_tensors, (list, tuple, dict)) \
                else [input_tensors]
            if isinstance(given, dict):
                replace = dict(given)
            else:
                if len(given) != len(model.input_names):
                    raise ValueError(f"clone_model: the model has {len(model.input_names)} "
                                     f"input(s) {model.input_names}; received {len(given)} "
                                     f"input tensor(s)")
                replace = dict(zip(model.input_names, given))
        config = functional_config(
            model, layer_entry=lambda layer: {"class_name": type(layer).__name__, "config": {}})
        return functional_from_config(config, layer_fn=layer_fn,
                                                    input_tensors=replace)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(f"Arguments `clone_function` and `input_tensors` are only supported "
                         f"for Sequential models or Functional models. Received model of type "
                         f"{cls.__name__!r}")
    # a subclassed model: from its config (its own get_config, or its __init__ arguments),
    # built for the same input shape, as Keras
    from .serialization import model_from_config, model_to_config

    return model_from_config(model_to_config(model), {cls.__name__: cls})
