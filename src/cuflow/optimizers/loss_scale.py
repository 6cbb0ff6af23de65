"""``LossScaleOptimizer``: dynamic loss scaling for float16 training.

The loss is multiplied by ``loss_scale`` before the backward pass (the trainer seeds the
backward pass with the scale); ``apply`` divides the gradients back, and when any is not finite
skips the step and halves the scale; after ``dynamic_growth_steps`` good steps it doubles it.
Checking finiteness is one fused reduction over all gradients and one scalar read from the
device per step (so a mixed-precision step runs eagerly, not as a captured CUDA graph).
"""

from __future__ import annotations

from ..tensor import Tensor
from .base import Optimizer


class LossScaleOptimizer:
    def __init__(self, inner_optimizer, dynamic=True, initial_scale=2.0 ** 15,
                 dynamic_growth_steps=2000, name=None, **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer wraps a cuflow Optimizer; received "
                            f"{type(inner_optimizer).__name__}")
        if float(initial_scale) <= 0:
            raise ValueError(f"initial_scale must be positive; received {initial_scale!r}")
        if int(dynamic_growth_steps) <= 0:
            raise ValueError(f"dynamic_growth_steps must be a positive int; received "
                             f"{dynamic_growth_steps!r}")
        if kwargs:
            raise TypeError(f"LossScaleOptimizer got unexpected arguments {sorted(kwargs)}")
        self.inner_optimizer = inner_optimizer
        self.dynamic = bool(dynamic)
        self.loss_scale = float(initial_scale)
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self._good_steps = 0
        self.skipped_steps = 0
        self.name = name or f"loss_scale_{inner_optimizer.name}"

    def __getattr__(self, item):
        # learning_rate, iterations, variables, built, save_own_variables ... come from inner
        return getattr(self.__dict__["inner_optimizer"], item)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def scale_loss(self, loss):
        return loss * self.loss_scale

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        live = [g for g in arrays if g is not None]
        if not live:
            return self.inner_optimizer.apply(grads, trainable_variables)
        # one fused sum-of-squares over every gradient (NaN and Inf propagate into it; float64
        # accumulation cannot overflow for float16/float32 values) and one host read per step
        norm = _backend_of(live[0]).global_l2_norm(live)
        finite = bool(_xp(live[0]).isfinite(norm))
        if not finite:
            self.skipped_steps += 1
            self._good_steps = 0
            if self.dynamic:
                self.loss_scale = max(self.loss_scale / 2.0, 1.0)
            return
        inv = 1.0 / self.loss_scale
        unscaled = [None if g is None else g * inv for g in arrays]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        if self.dynamic:
            self._good_steps += 1
            if self._good_steps >= self.dynamic_growth_steps:
                self.loss_scale *= 2.0
                self._good_steps = 0

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.inner_optimizer.iterations

    def get_config(self):
        from . import serialize

        return {"inner_optimizer": serialize(self.inner_optimizer), "dynamic": self.dynamic,
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize

        config = dict(config)
        config["inner_optimizer"] = deserialize(config["inner_optimizer"],
                                                custom_objects=custom_objects)
        return cls(**config)


def _backend_of(array):
    from ..backend import get_backend

    if hasattr(array, "__cuda_array_interface__"):
        return get_backend(f"gpu:{array.device.id}")
    return get_backend("cpu")


def _xp(array):
    if hasattr(array, "__cuda_array_interface__"):
        import cupy

        return cupy
    import numpy

    return numpy
