"""``MultiOptimizer`` and ``OptimizerMap`` (Keras 3): each variable is updated by the optimizer
its path selects.

``OptimizerMap(default_optimizer, optimizer_map)`` maps variable paths to optimizers: an exact
key first, else the one key that ``re.fullmatch``-es the path (two matching keys are an error),
else the default. ``MultiOptimizer(selector)`` takes such a map or any callable
``variable -> Optimizer``; ``apply`` splits the gradients among the sub-optimizers (each keeps
its own fused GPU update when it has one). ``loss_scale_factor`` given here overrides the
sub-optimizers'. The learning rate lives on the sub-optimizers only.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from .base import Optimizer
from .loss_scale import LossScaleOptimizer


def _check_member(optimizer):
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError("optimizer cannot be LossScaleOptimizer.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError("optimizer cannot be MultiOptimizer.")
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: "
                         f"{optimizer!r}")


class OptimizerMap(MutableMapping):
    """Variable path (or regular expression over paths) -> Optimizer, with a default."""

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, opt in (optimizer_map or {}).items():
            self[key] = opt

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: the patterns "
                             f"{matching} all match.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}. Please make sure to not use "
                             f"duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key!r}")
        _check_member(optimizer)
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[str(getattr(variable, "path", None) or variable.name)]

    def get_config(self):
        from . import serialize

        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize

        default = deserialize(config["default_optimizer"], custom_objects=custom_objects)
        mapping = {k: deserialize(v, custom_objects=custom_objects)
                   for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Routes each variable to the optimizer ``optimizer_map(variable)`` returns."""

    _default_name = "multi_optimizer"

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        members = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in members + ([default] if default is not None else []):
            if type(opt) is not MultiOptimizer and isinstance(opt, Optimizer):
                self._adopt(opt)  # nested wrappers are refused by build
        self._var_to_optimizer_idx = {}

    def _adopt(self, opt):
        if opt not in self._inner_optimizers:
            opt.loss_scale_factor = self.loss_scale_factor
            opt._fused = None  # its fused update's options are rebuilt
            self._inner_optimizers.append(opt)
        return self._inner_optimizers.index(opt)

    @property
    def optimizers(self):
        return self._inner_optimizers

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value
            opt._fused = None

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    def _var_key(self, variable):
        return id(variable)

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        groups = {}
        for var in var_list:
            if not callable(self._optimizer_map):
                raise TypeError(f"MultiOptimizer expects an OptimizerMap or a callable variable "
                                f"-> Optimizer; received {self._optimizer_map!r}")
            opt = self._optimizer_map(var)
            if isinstance(opt, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {var.name!r} is not an Optimizer "
                                 f"instance; received {opt!r}")
            idx = self._adopt(opt)
            self._var_to_optimizer_idx[id(var)] = idx
            groups.setdefault(idx, []).append(var)
        for idx, variables in sorted(groups.items()):
            self._inner_optimizers[idx].build(variables)
        super().build(var_list)

    @property
    def variables(self):
        out = list(self._variables)
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(trainable_variables)} "
                             f"variables.")
        groups = [([], []) for _ in self._inner_optimizers]
        for g, v in zip(grads, trainable_variables):
            idx = self._var_to_optimizer_idx.get(id(v))
            if idx is None:
                raise ValueError(f"Unknown variable {v.name!r}: this optimizer was built for "
                                 f"other variables")
            groups[idx][0].append(g)
            groups[idx][1].append(v)
        for opt, (sub_grads, sub_vars) in zip(self._inner_optimizers, groups):
            if sub_vars:
                opt.apply(sub_grads, sub_vars)
        self._fused_last = False
        self._iterations.data += 1

    def finalize_variable_values(self, var_list):
        groups = {}
        for var in var_list:
            groups.setdefault(self._var_to_optimizer_idx[id(var)], []).append(var)
        for idx, variables in groups.items():
            self._inner_optimizers[idx].finalize_variable_values(variables)

    def save_own_variables(self, store):
        for i, v in enumerate(self.variables):
            store[str(i)] = v.numpy().copy()

    def load_own_variables(self, store):
        variables = self.variables
        if len(store) != len(variables):
            raise ValueError(f"You are calling `load_own_variables()` or `set_weights()` with "
                             f"{len(store)} values, but MultiOptimizer {self.name!r} has "
                             f"{len(variables)} variables (build it first).")
        for i, v in enumerate(variables):
            v.assign(v._backend.asarray(store[str(i)]).astype(v.dtype))

    def get_config(self):
        mapping = self._optimizer_map
        if isinstance(mapping, OptimizerMap):
            mapping = {"module": "cuflow.optimizers", "class_name": "OptimizerMap",
                       "config": mapping.get_config(), "registered_name": None}
        else:
            mapping = getattr(mapping, "__name__", repr(mapping))
        return {"optimizer_map": mapping, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        mapping = config.get("optimizer_map")
        if isinstance(mapping, dict) and mapping.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(mapping["config"],
                                                               custom_objects=custom_objects)
        elif isinstance(mapping, str) and custom_objects and mapping in custom_objects:
            config["optimizer_map"] = custom_objects[mapping]
        return cls(**config)
