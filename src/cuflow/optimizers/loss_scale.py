"""``LossScaleOptimizer``: dynamic loss scaling for float16 training (Keras 3's contract).

The loss is multiplied by ``dynamic_scale`` before the backward pass (the trainer seeds the
backward pass with the scale); ``apply`` divides the gradients back, and when any is not finite
skips the step and halves the scale; after ``dynamic_growth_steps`` good steps it doubles it.
Checking finiteness is one fused reduction over all gradients and one scalar read from the
device per step (so a mixed-precision step runs eagerly, not as a captured CUDA graph). The
scale and the good-step counter are host Variables (``step_counter``, ``dynamic_scale``) listed
first in ``variables``, as Keras's, so ``stateless_apply`` and saved states carry them.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, Variable
from .base import ArgumentError, Optimizer
from .stateless import stateless_apply

# Base-optimizer arguments Keras once serialized for this wrapper: accepted at their defaults
# (old configs), refused otherwise (they belong on the inner optimizer).
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer:
    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ArgumentError(f"LossScaleOptimizer does not support arguments: "
                                f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer wraps a cuflow Optimizer; received "
                            f"{type(inner_optimizer).__name__}")
        if float(initial_scale) <= 0:
            raise ValueError(f"initial_scale must be positive; received {initial_scale!r}")
        if int(dynamic_growth_steps) <= 0:
            raise ValueError(f"dynamic_growth_steps must be a positive int; received "
                             f"{dynamic_growth_steps!r}")
        self.inner_optimizer = inner_optimizer
        # the inner optimizer's own loss scaling would unscale the gradients twice (Keras)
        inner_optimizer.loss_scale_factor = None
        inner_optimizer._fused = None
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.skipped_steps = 0
        self.name = name or "loss_scale_optimizer"
        self.built = False
        self._variables = []

    def __getattr__(self, item):
        # learning_rate, iterations, weight decay settings ... come from the inner optimizer
        return getattr(self.__dict__["inner_optimizer"], item)

    # ---- state ------------------------------------------------------------------------------
    def build(self, var_list):
        """The counter and scale Variables (host), then the inner optimizer's state."""
        if not self.built:
            self.step_counter = Variable(np.zeros((), np.int64), trainable=False,
                                         name="step_counter", device="cpu")
            self.dynamic_scale = Variable(np.asarray(self.initial_scale, np.float32),
                                          trainable=False, name="dynamic_scale", device="cpu")
            self._variables = [self.step_counter, self.dynamic_scale]
        if not self.inner_optimizer.built:
            self.inner_optimizer.build(var_list)
        self.built = True

    @property
    def variables(self):
        return list(self._variables) + self.inner_optimizer.variables

    @property
    def loss_scale(self):
        """The current scale (a host float)."""
        return float(self.dynamic_scale.data) if self.built else self.initial_scale

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        return loss * self.loss_scale

    # ---- applying ---------------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("apply() without trainable_variables needs a built optimizer; "
                                 "call optimizer.build(trainable_variables) first")
            self.build(list(trainable_variables))
        arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        live = [g for g in arrays if g is not None]
        if not live:
            return self.inner_optimizer.apply(grads, trainable_variables)
        # one fused sum-of-squares over every gradient (NaN and Inf propagate into it; float64
        # accumulation cannot overflow for float16/float32 values) and one host read per step
        norm = _backend_of(live[0]).global_l2_norm(live)
        if not bool(_xp(live[0]).isfinite(norm)):
            self.skipped_steps += 1
            self.step_counter.data[...] = 0
            self.dynamic_scale.data *= 0.5
            return
        variables = (self.inner_optimizer._trainable_variables if trainable_variables is None
                     else list(trainable_variables))
        inv = 1.0 / self.loss_scale
        unscaled = [g if g is None or getattr(v, "overwrite_with_gradient", False) else g * inv
                    for g, v in zip(arrays, variables)]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        if int(self.step_counter.data) == self.dynamic_growth_steps - 1:
            self.step_counter.data[...] = 0
            self.dynamic_scale.data *= 2.0
        else:
            self.step_counter.data += 1

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.inner_optimizer.iterations

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """``apply`` on the given values: returns ``(trainable_values, optimizer_values)``."""
        return stateless_apply(self, optimizer_variables, grads, trainable_variables)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def save_own_variables(self, store):
        for i, v in enumerate(self.variables):
            store[str(i)] = np.array(v.numpy(), copy=True)

    def load_own_variables(self, store):
        own = len(self._variables)
        if len(store) == len(self.variables) and own:
            for i, v in enumerate(self._variables):
                v.assign(np.asarray(store[str(i)]).astype(v.dtype))
            store = {str(i - own): store[str(i)] for i in range(own, len(store))}
        self.inner_optimizer.load_own_variables(store)

    # ---- config -----------------------------------------------------------------------------
    def get_config(self):
        from . import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)


def _backend_of(array):
    from ..backend import get_backend

    if hasattr(array, "__cuda_array_interface__"):
        return get_backend(f"gpu:{array.device.id}")
    return get_backend("cpu")


def _xp(array):
    if hasattr(array, "__cuda_array_interface__"):
        import cupy

        return cupy
    return np
