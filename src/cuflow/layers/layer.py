"""``Layer``: the unit of a model. ``__init__`` validates and stores arguments, ``build`` makes
weights once the input shape is known, ``call`` computes through ``cuflow.ops`` only."""

from __future__ import annotations

import inspect

import numpy as np

from ..tensor import Tensor, Variable
from ..tree import flatten as _flatten
from ..tree import map_structure
from . import auto_config, naming
from .call_context import SINGLE_INPUT_MODULES, input_masks, out_of_memory
from .call_losses import call_scope, record_activity_losses
from .core.keras_tensor import KerasTensor, call_symbolic, probe_output_shape
from .input_conversion import convert_inputs, is_array_leaf, shape_of

_BASE_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape", "input_length",
                "autocast", "dynamic", "weights")


def _is_dtype(value):
    if value is None:
        return True
    try:
        return isinstance(value, (str, np.dtype, type)) and np.dtype(value).kind in "biuf"
    except TypeError:
        return False


class Layer:
    """Base class of every layer; subclass it as in Keras (``build`` + ``call``)."""

    _call_params = None  # per class: the keyword arguments ``call`` accepts
    # True for layers that take exactly one tensor (set for cuflow's own single-input layers;
    # user subclasses keep False and may take whatever structure their call() expects)
    _single_input = False
    _multi_input = False  # True for layers that merge a list of inputs (Add, Concatenate ...)

    @property
    def input_spec(self):
        """An ``InputSpec`` (or a list, one per input) every call's inputs are checked against;
        None (the default) checks nothing."""
        return self.__dict__.get("_input_spec")

    @input_spec.setter
    def input_spec(self, value):
        from .input_spec import InputSpec

        for spec in _flatten(value) if value is not None else ():
            if spec is not None and not isinstance(spec, InputSpec):
                raise TypeError(f"Layer input_spec must be an instance of InputSpec. Got: "
                                f"input_spec={spec!r}")
        self.__dict__["_input_spec"] = value

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # the __init__ arguments, for get_config of a class that does not write one (Keras)
        config, reason = auto_config.capture(cls, args, kwargs)
        object.__setattr__(instance, "_auto_config", config)
        object.__setattr__(instance, "_auto_config_reason", reason)
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_single_input" not in cls.__dict__ and cls.__module__ in SINGLE_INPUT_MODULES:
            cls._single_input = True
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            # as Keras 3: a layer whose build() ran is built, however build() was reached
            def marked(self, *args, _build=build, **kwargs):  # build(None) as Keras allows
                _build(self, *args, **kwargs)
                self.built = True

            marked._marks_built = True
            marked.__doc__ = build.__doc__
            cls.build = marked

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 **kwargs):
        object.__setattr__(self, "_layers", [])
        if activity_regularizer is not None:  # Keras: any layer's outputs may be regularized
            from .. import regularizers

            self.activity_regularizer = regularizers.get(activity_regularizer)
        unknown = [k for k in kwargs if k not in _BASE_KWARGS]
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{', '.join(map(repr, unknown))}")
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"layer name must be a non-empty string without '/'; received "
                             f"{name!r}")
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.built = False
        from .. import dtype_policies
        from ..mixed_precision import global_policy

        if dtype is None:
            policy = global_policy()
        elif isinstance(dtype, dict) and dtype.get("class_name") in (None, "DTypePolicy",
                                                                    "FloatDTypePolicy"):
            policy = dtype_policies.get(dtype.get("config", {}).get("name"))
        else:  # a name, a policy, or a quantized policy's config ("int8_from_float32")
            policy = dtype_policies.get(dtype)
        self.dtype_policy = policy
        self.dtype = policy.variable_dtype
        self.compute_dtype = policy.compute_dtype
        self._own_weights = []
        self._regularized = []  # (variable, regularizer)
        self._activity_losses = []
        self._added_losses = []
        self.supports_masking = getattr(self, "supports_masking", False)
        # as Keras: under a mixed policy, float inputs are cast to the compute dtype unless the
        # layer sets autocast=False (the normalization layers take them as they come)
        self.autocast = bool(kwargs.get("autocast", True))
        self._inbound_nodes = []
        self._initial_weights = kwargs.get("weights")
        self._batch_input_shape = None
        batch_size = kwargs.get("batch_size")
        if kwargs.get("batch_input_shape") is not None:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif kwargs.get("input_shape") is not None:
            shape = kwargs["input_shape"]
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            self._batch_input_shape = (batch_size,) + shape
        elif kwargs.get("input_dim") is not None:
            dim = kwargs["input_dim"]
            if not isinstance(dim, (int, np.integer)) or dim <= 0:
                raise ValueError(f"input_dim must be a positive int; received {dim!r}")
            shape = (int(dim),)
            if kwargs.get("input_length") is not None:
                shape = (kwargs["input_length"],)
            self._batch_input_shape = (batch_size,) + shape
        if self._batch_input_shape is not None:
            for d in self._batch_input_shape[1:]:
                if d is not None and (not isinstance(d, (int, np.integer)) or d < 0):
                    raise ValueError(f"{type(self).__name__}: input_shape entries must be "
                                     f"non-negative ints or None; received "
                                     f"{self._batch_input_shape[1:]}")

    # ---- attribute tracking ----------------------------------------------------------------
    def __setattr__(self, name, value):
        layers = self.__dict__.get("_layers")
        if layers is None:
            object.__setattr__(self, "_layers", [])
            layers = self._layers
        if isinstance(value, Layer) and value is not self:
            if all(value is not x for x in layers):
                layers.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer)
                                                                 for v in value):
            for v in value:
                if all(v is not x for x in layers):
                    layers.append(v)
        object.__setattr__(self, name, value)

    # ---- weights ---------------------------------------------------------------------------
    def add_weight(self, *args, **kwargs):
        """A weight Variable. Accepts Keras 3's order ``(shape, initializer, dtype, trainable,
        ...)``, tf.keras 2's ``(name, shape, dtype, initializer, ...)`` and keywords."""
        keras3 = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                  "constraint", "aggregation", "overwrite_with_gradient", "name")
        keras2 = ("name", "shape", "dtype", "initializer", "regularizer", "trainable",
                  "constraint")
        order = keras2 if args and isinstance(args[0], str) else keras3
        if len(args) > len(order):
            raise TypeError(f"add_weight() takes at most {len(order)} positional arguments")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight() got multiple values for argument {key!r}")
            kwargs[key] = value
        if order is keras2 and len(args) >= 3 and not _is_dtype(kwargs.get("dtype")):
            # cuflow's own layers write add_weight(name, shape, initializer)
            kwargs["initializer"], kwargs["dtype"] = kwargs["dtype"], kwargs.get("initializer")
        return self._add_weight(**kwargs)

    def _add_weight(self, name=None, shape=None, initializer=None, dtype=None, trainable=True,
                    regularizer=None, constraint=None, autocast=True, aggregation=None,
                    overwrite_with_gradient=False, **kwargs):
        from .. import constraints, initializers, regularizers

        if kwargs:
            raise TypeError(f"add_weight() got unexpected keyword argument(s) {sorted(kwargs)}")
        if isinstance(shape, (int, np.integer)):
            shape = (shape,)
        shape = tuple(int(s) for s in (shape or ()))
        if any(s < 0 for s in shape):
            raise ValueError(f"{self.name}: weight shape must be non-negative; received {shape}")
        dtype = dtype or self.dtype
        from ..memory import check_allocation

        # initializers draw in float64 on the host: refuse absurd sizes before allocating
        check_allocation(shape, np.float64, f'weight "{name}" of layer "{self.name}"')
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        init = initializers.get(initializer)
        var = Variable(init(shape, dtype=dtype), trainable=trainable,
                       name=f"{self.name}/{name or 'variable'}", dtype=dtype,
                       constraint=constraints.get(constraint))
        if not self._trainable:
            var._set_trainable(False)
        self._own_weights.append((var, bool(trainable)))
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularized.append((var, reg))
        return var

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights (Keras's name; ``dtype`` is the same)."""
        return self.dtype_policy.variable_dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value
        for var, declared in self._own_weights:
            var._set_trainable(declared and self._trainable)

    def _all_own(self):
        return [v for v, t in self._own_weights if t] + [v for v, t in self._own_weights if not t]

    @property
    def weights(self):
        out, seen = [], set()
        for w in self._all_own() + [w for layer in self._layers for w in layer.weights]:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        return [w for w in self.weights if w.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights):
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(f"layer {self.name!r} expects {len(mine)} weight arrays; received "
                             f"{len(weights)}")
        for var, value in zip(mine, weights):
            value = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            if tuple(value.shape) != var.shape:
                raise ValueError(f"weight {var.name!r} has shape {var.shape}; received an array "
                                 f"of shape {tuple(value.shape)}")
        for var, value in zip(mine, weights):
            value = value.numpy() if isinstance(value, Tensor) else value
            var.assign(np.asarray(value, dtype=var.dtype))

    def count_params(self):
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet, so it has no parameters to "
                             f"count; call it on data or build it first")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ---- losses ----------------------------------------------------------------------------
    def add_loss(self, loss):
        self._added_losses.append(loss)

    @property
    def losses(self):
        # as Keras: a frozen weight (e.g. a kernel under LoRA) adds no regularization loss
        out = [reg(var) for var, reg in self._regularized if var.trainable]
        out += self._activity_losses + self._added_losses
        for layer in self._layers:
            out += layer.losses
        return out

    def _clear_call_losses(self):
        self._activity_losses = []
        self._added_losses = []
        for layer in self._layers:
            layer._clear_call_losses()

    # ---- build / call ----------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def _build_at_init(self):
        """As Keras 3: a weightless layer calls this at the end of ``__init__`` and is built
        from then on, unless its class (a user subclass, say) overrides ``build``, which must
        then run on the first call."""
        if type(self).build is Layer.build:
            self.built = True

    def _autocast(self, t):
        if isinstance(t, Tensor) and t.dtype.kind == "f" and t.dtype != self.compute_dtype:
            from .. import ops

            out = ops.cast(t, self.compute_dtype)
            out._keras_mask = t._keras_mask
            return out
        return t

    def cast_weight(self, w):
        """``w`` in the compute dtype (a differentiable cast under mixed precision)."""
        if self.compute_dtype == self.dtype or w is None:
            return w
        from .. import ops

        return ops.cast(w, self.compute_dtype)

    def _weights_device(self):
        """Where this layer's weights live (None before build): raw inputs go there."""
        for var, _ in self._own_weights:
            return var.device
        for layer in self._layers:
            dev = layer._weights_device()
            if dev is not None:
                return dev
        return None

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None

    def call(self, inputs, *args, **kwargs):
        return inputs

    @classmethod
    def _accepted(cls):
        if cls.__dict__.get("_call_params") is None:
            params = inspect.signature(cls.call).parameters
            var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
            cls._call_params = (var_kw, frozenset(params))
        return cls._call_params

    def __call__(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise TypeError(f"layer {self.name!r} was called without inputs")
        if inputs is None or isinstance(inputs, (list, tuple, dict)) and (
                not inputs or any(t is None for t in _flatten(inputs))):
            raise TypeError(f"layer {self.name!r} received {inputs!r} as inputs; expected a "
                            f"tensor, an array or a list of them")
        if type(inputs) is not Tensor:  # the per-step path passes Tensors: skip the checks
            flat = _flatten(inputs)
            if self._single_input and isinstance(inputs, (list, tuple, dict)) and \
                    any(is_array_leaf(x) for x in flat):  # (plain nested numbers: one array)
                if len(flat) != 1:
                    raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects 1 '
                                     f"input, but it received {len(flat)} input tensors")
                inputs = flat[0]
            if any(isinstance(t, KerasTensor) for t in flat):
                if self.input_spec is not None:
                    self._check_input_spec(inputs)
                return call_symbolic(self, inputs, args, kwargs)
            device = self._weights_device()
            inputs = convert_inputs(inputs, device, self._multi_input,
                                    self.compute_dtype if self.autocast else self.dtype)
        if self.input_spec is not None:
            self._check_input_spec(inputs)
        if self.compute_dtype != self.dtype and self.autocast:  # mixed precision
            inputs = map_structure(self._autocast, inputs)
        if not self.built:
            scalars = [inputs] if self._single_input else \
                _flatten(inputs) if self._multi_input else []
            if any(getattr(t, "ndim", 1) == 0 for t in scalars):
                raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs '
                                 f"with at least one axis; received a 0-d (scalar) input")
            try:
                self._maybe_build(shape_of(inputs))
            except MemoryError as e:
                raise out_of_memory(self, inputs, e) from None
        var_kw, accepted = type(self)._accepted()
        if "training" in kwargs and not (var_kw or "training" in accepted):
            kwargs.pop("training")
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = input_masks(inputs)
        if mask is not None and (var_kw or "mask" in accepted):
            kwargs["mask"] = mask
        try:
            with call_scope(self):  # the outermost call clears the losses of the last one
                already = len(self._activity_losses)
                outputs = self.call(inputs, *args, **kwargs)
        except MemoryError as e:
            raise out_of_memory(self, inputs, e) from None
        record_activity_losses(self, outputs, already)
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None and isinstance(outputs, Tensor) and \
                not isinstance(out_mask, (list, tuple)):
            outputs._keras_mask = out_mask
        return outputs

    def _check_input_spec(self, inputs):
        from .input_spec import assert_input_compatibility

        assert_input_compatibility(self.input_spec, inputs, self.name)

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """By default: run ``call`` on zeros (batch 1) and read the shape; layers override."""
        return probe_output_shape(self, input_shape)

    # ---- config ----------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self.dtype_policy.name}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if type(self).get_config is Layer.get_config and type(self).__init__ is not \
                Layer.__init__:  # a custom layer without get_config: its __init__ arguments
            return auto_config.auto_config(self, config)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ---- graph introspection (functional models) -------------------------------------------
    def _node_attr(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(f"layer {self.name!r} has never been called on a symbolic "
                                 f"input, so it has no defined {attr}")
        vals = [getattr(n, attr) for n in self._inbound_nodes]
        return vals[0]

    @property
    def input(self):
        return self._node_attr("inputs")

    @property
    def output(self):
        return self._node_attr("outputs")

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self.output)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}, built={self.built}>"

