"""``Muon``: momentum orthogonalised by Newton-Schulz iterations for 2-D weights, AdamW for the
rest (Keras 3's formulas; https://kellerjordan.github.io/posts/muon/, Moonlight's rms scaling).

A variable takes the AdamW path when it is not 2-D, when its path names an embedding (with
``exclude_embeddings``) or matches one of ``exclude_layers`` (regular expressions). The update
goes through ``cuflow.ops`` per variable (no fused GPU kernel).
"""

from __future__ import annotations

import re

from .. import ops
from ..tensor import Tensor
from .base import DEFAULT_LR, Optimizer


def _path(variable):
    return str(getattr(variable, "path", None) or variable.name)


class Muon(Optimizer):
    _default_name = "muon"

    def __init__(self, learning_rate=DEFAULT_LR, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, name=None,
                 exclude_layers=None, exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750,
                 muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True,
                 rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        path = _path(variable)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(k, path) for k in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = [None] * len(var_list)
        self.adam_velocities = [None] * len(var_list)
        for i, var in enumerate(var_list):
            if getattr(var, "overwrite_with_gradient", False):
                continue
            self.momentums[i] = self.add_variable_from_reference(var, "momentum")
            if self._should_use_adamw(var):
                self.adam_velocities[i] = self.add_variable_from_reference(var, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        i = self._var_index[id(variable)]
        m, v = self.momentums[i], self.adam_velocities[i]
        gradient = ops.cast(gradient, variable.dtype)
        if v is not None:
            self._adamw_update_step(gradient, variable, learning_rate * self.adam_lr_ratio, m, v)
        else:
            self._muon_update_step(gradient, variable, learning_rate, m)

    def _muon_update_step(self, gradient, variable, lr, m):
        m.assign(m.value + gradient + m.value * (self.momentum - 1))
        g = gradient + self.momentum * m.value if self.nesterov else m.value
        update = self.zeropower_via_newtonschulz5(g, self.ns_steps)
        variable.assign(variable.value - self.lr_adjust(update * lr))

    def _adamw_update_step(self, gradient, variable, lr, m, v):
        t = self._iteration_count() + 1
        alpha = lr * (1 - self.adam_beta_2 ** t) ** 0.5 / (1 - self.adam_beta_1 ** t)
        m.assign(m.value + (gradient - m.value) * (1 - self.adam_beta_1))
        v.assign(v.value + (ops.square(gradient) - v.value) * (1 - self.adam_beta_2))
        variable.assign(variable.value - m.value * alpha / (ops.sqrt(v.value) + self.epsilon))

    @staticmethod
    def transpose_last_axis(x):
        order = list(range(len(x.shape)))
        order[-2], order[-1] = order[-1], order[-2]
        return ops.transpose(x, order)

    def lr_adjust(self, x):
        """Moonlight's scaling: the update times ``sqrt(max(n, m)) * rms_rate`` for an (n, m)
        matrix (unchanged when ``rms_rate`` is None)."""
        if self.rms_rate is None:
            return x
        return x * (max(x.shape[0], x.shape[1]) ** 0.5 * self.rms_rate)

    def zeropower_via_newtonschulz5(self, x, steps):
        """The quintic Newton-Schulz iteration towards the orthogonal factor of ``x``."""
        x = x if isinstance(x, Tensor) else ops.convert_to_tensor(x)
        shape = tuple(x.shape)
        if len(shape) < 2:
            raise ValueError(f"Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={shape}")
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = shape[-2] > shape[-1]
        if tall:
            x = self.transpose_last_axis(x)
        x = x / (ops.sqrt(ops.sum(ops.square(x), axis=(-2, -1), keepdims=True)) + 1e-7)
        for _ in range(steps):
            temp_a = ops.matmul(x, self.transpose_last_axis(x))
            temp_b = b * temp_a + c * ops.matmul(temp_a, temp_a)
            x = a * x + ops.matmul(temp_b, x)
        return self.transpose_last_axis(x) if tall else x

    def _apply_weight_decay(self, items, lr=None):
        """Decoupled decay, ``weight_decay`` on Muon variables and ``adam_weight_decay`` on
        AdamW ones. ``items`` are ``(index, gradient, variable)`` or plain variables."""
        lr = self._current_lr() if lr is None else lr
        for item in items:
            var = item[2] if isinstance(item, tuple) else item
            if not self._use_weight_decay(var):
                continue
            wd = self.adam_weight_decay if self._should_use_adamw(var) else self.weight_decay
            if wd is not None:
                var.data *= 1.0 - wd * lr

    def get_config(self):
        config = super().get_config()
        config.update({"adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                       "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
                       "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
                       "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
                       "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                       "exclude_embeddings": self.exclude_embeddings,
                       "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate})
        return config
