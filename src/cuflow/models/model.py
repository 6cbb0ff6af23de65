"""``Model``: a Layer that trains. ``Model(inputs, outputs)`` builds a functional model;
subclassing ``Model`` with ``call`` works as in Keras.

Training is the ``Trainer`` mixin (``cuflow.trainers``); files are ``cuflow.saving`` and the
debugging reports ``cuflow.debug``, both reached through ``cuflow.trainers.seams``.
"""

from __future__ import annotations

from ..layers import Layer
from ..layers.auto_config import auto_config
from ..layers.naming import to_snake_case, unique_name
from ..trainers import seams
from ..trainers.trainer import Trainer


class Model(Trainer, Layer):
    def __new__(cls, *args, **kwargs):
        if len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs:
            from .functional import Functional

            if cls is Model:
                return Functional.__new__(Functional)
            if not issubclass(cls, Functional) and cls.__init__ is Model.__init__:
                # a Model subclass without its own __init__ (say, only a custom train_step)
                # built from inputs and outputs: a functional model keeping the subclass's
                # methods, as Keras does. A subclass with __init__ decides its own arguments.
                return super().__new__(_functional_subclass(cls), *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs:
            from .functional import Functional

            if not isinstance(self, Functional):
                # a subclass whose __init__ calls super().__init__(inputs=..., outputs=...):
                # it becomes functional, keeping its own methods (as Keras)
                self.__class__ = _functional_subclass(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        if args or kwargs:
            raise TypeError(f"Model() got unexpected arguments {args or ''} "
                            f"{sorted(kwargs) or ''}; use Model(inputs, outputs) for a "
                            f"functional model or subclass Model")
        default = "functional" if type(self).__name__ == "Functional" else \
            to_snake_case(type(self).__name__)
        super().__init__(name=name or unique_name(default), trainable=trainable)
        self.compiled = False
        self.history = None

    @property
    def layers(self):
        return list(self._layers)

    @layers.setter
    def layers(self, _):
        if hasattr(self, "add") and hasattr(self, "pop"):  # Sequential
            raise AttributeError("`Sequential.layers` attribute is reserved and should not be "
                                 "used. Use `add()` and `pop()` to change the layers in this "
                                 "model.")
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    def get_layer(self, name=None, index=None):
        if index is not None:
            if name is not None:
                raise ValueError("get_layer: give name or index, not both")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model with "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}")

    def build(self, input_shape=None):
        """Build a subclassed model by calling it on zeros of ``input_shape``: one shape, or a
        list / tuple / dict of shapes for a model taking several inputs (as Keras)."""
        if input_shape is not None and not self.built:
            import numpy as np

            from .. import autodiff
            from ..layers import Input
            from ..tensor import Tensor

            shapes = _shape_structure(input_shape)
            flat = _flatten_shapes(shapes)
            for s in flat:
                Input(batch_shape=s)  # validates each shape, naming it
            self._input_batch_shapes = flat
            self.built = True

            def zeros(s):
                return Tensor(np.zeros(tuple(1 if d is None else d for d in s), "float32"))

            if isinstance(shapes, dict):
                structure = {k: zeros(v) for k, v in shapes.items()}
            elif _is_shape(shapes):
                structure = zeros(shapes)
            else:  # (a one-element list: that one input, as before)
                structure = type(shapes)(zeros(s) for s in shapes)
                structure = structure[0] if len(structure) == 1 else structure
            with autodiff.no_grad():
                self.call(structure)
        self.built = True

    def to(self, device):
        """Move weights and optimizer state to ``device`` ('cpu', 'gpu', 'gpu:N'); training
        continues where it stopped. Returns the model."""
        from ..backend import get_backend, parse_device

        bk = get_backend(parse_device(device))
        opt = self.optimizer
        host_state = set()
        if opt is not None:  # the step counter and learning rate stay on the host by design
            host_state = {id(opt.iterations), id(getattr(opt, "_lr_var", None))}
        state = [v for v in getattr(opt, "variables", []) if id(v) not in host_state]
        for var in self.weights + state:
            if var._backend is not bk:
                var.data = bk.asarray(var._backend.to_numpy(var.data))
                var._backend = bk
        if opt is not None and getattr(opt, "_scratch", None):
            opt._scratch = [[] for _ in opt._scratch]  # scratch buffers are remade lazily
        return self

    @property
    def device(self):
        """The device holding this model's weights (the current device before build)."""
        from ..backend import get_device

        return self._weights_device() or get_device()

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None, kernels=False):
        from .summary import print_summary

        print_summary(self, line_length=line_length, print_fn=print_fn,
                      show_trainable=show_trainable)
        if kernels:
            seams.debug_hooks().kernel_summary(self, print_fn=print_fn)

    def check_gradients(self, x, y, sample_weight=None, max_samples=4, print_fn=None):
        """float64 central differences per layer on a small batch, printed as a table; returns
        the worst relative error."""
        return seams.debug_hooks().check_model_gradients(
            self, x, y, sample_weight=sample_weight, max_samples=max_samples, print_fn=print_fn)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if type(self).get_config is Model.get_config and \
                type(self).__init__ is not Model.__init__:  # a subclass's __init__ arguments
            return auto_config(self, config)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """``Model.from_config`` of a functional config builds the functional model, as Keras 3;
        a subclass is made from its config's keys."""
        from .functional import functional_from_config

        functional = all(k in config for k in ("name", "layers", "input_layers",
                                                "output_layers"))
        if functional and _revivable_as_functional(cls):
            return functional_from_config(config, custom_objects=custom_objects,
                                          model_cls=None if cls is Model else cls)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Unable to revive model from config. When overriding get_config(), "
                            f"make sure that the returned config contains all items used as "
                            f"arguments in the constructor of {cls.__name__}, or define "
                            f"from_config(cls, config). Received config={config}. Error: {e}"
                            ) from e

    def to_json(self, **kwargs):
        """The model's config as a JSON string (``keras.models.model_from_json`` reads it);
        ``kwargs`` go to ``json.dumps``."""
        import json

        return json.dumps(seams.saving().serialize_keras_object(self), **kwargs)

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantize every layer that supports it (``"int8"``, ``"int4"``, ``"float8"``), as
        Keras's ``Model.quantize``; the model must be built."""
        from ..layers.core.quantized import quantize_layers

        type_check = kwargs.pop("type_check", True)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to "
                             f"{type(self).__name__}: {kwargs}")
        quantize_layers(self, mode, config, filters, type_check)

    # saving lives in cuflow.saving; these are the Keras entry points
    def save(self, filepath, overwrite=True, **kwargs):
        return seams.saving().save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        return seams.saving().save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        return seams.saving().load_weights(self, filepath, skip_mismatch=skip_mismatch,
                                           by_name=by_name, **kwargs)


def _revivable_as_functional(cls):
    """Keras's rule: Model / Functional themselves, or a subclass whose __init__ takes what
    Functional's does, or ``*args, **kwargs``."""
    import inspect

    from .functional import Functional

    if cls in (Model, Functional) or cls.__init__ in (Model.__init__, Functional.__init__):
        return True
    spec = inspect.getfullargspec(cls.__init__)
    own = inspect.getfullargspec(Functional.__init__)
    return spec.args[1:] == own.args[1:] or (spec.varargs is not None and
                                              spec.varkw is not None)


def _is_shape(s):
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)


def _shape_structure(input_shape):
    """One shape as a tuple, or a list / tuple / dict of them."""
    if _is_shape(input_shape):
        return tuple(input_shape)
    if isinstance(input_shape, dict):
        return {k: tuple(v) for k, v in input_shape.items()}
    if isinstance(input_shape, (list, tuple)) and all(_is_shape(s) for s in input_shape):
        return type(input_shape)(tuple(s) for s in input_shape)
    raise ValueError(f"build() expects a shape or a list / tuple / dict of shapes; received "
                     f"input_shape={input_shape!r}")


def _flatten_shapes(shapes):
    if isinstance(shapes, dict):
        return [shapes[k] for k in shapes]
    return [shapes] if _is_shape(shapes) else list(shapes)


_functional_subclasses = {}


def _functional_subclass(cls):
    from .functional import Functional

    made = _functional_subclasses.get(cls)
    if made is None:
        made = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__,
                                                      "__qualname__": cls.__qualname__})
        _functional_subclasses[cls] = made
    return made
