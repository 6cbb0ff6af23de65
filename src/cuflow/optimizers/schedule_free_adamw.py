"""``ScheduleFreeAdamW``: AdamW without a learning-rate schedule (Defazio et al. 2024,
"The Road Less Scheduled"), Keras 3's formulas.

The slot ``momentum`` holds the base sequence z (it starts as a copy of the variable); the
variable holds the interpolation y = (1 - beta_1) z + beta_1 x, where x is the running average
of z with weight 1/t. ``warmup_steps`` ramps the rate linearly. No fused GPU kernel.
"""

from __future__ import annotations

from .. import ops
from .base import Optimizer


class ScheduleFreeAdamW(Optimizer):
    _default_name = "schedule_free_adam_w"

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        for z, var in zip(self._momentums, var_list):
            z.data[...] = var.data

    def update_step(self, gradient, variable, learning_rate):
        i = self._var_index[id(variable)]
        z, v = self._momentums[i], self._velocities[i]
        g = ops.cast(gradient, variable.dtype)
        t = self._iteration_count() + 1
        lr = float(learning_rate)
        if self.warmup_steps > 0:
            lr *= min(t / self.warmup_steps, 1.0)
        b1, b2 = self.beta_1, self.beta_2
        z_old = ops.copy(z.value)
        v.assign(v.value + (ops.square(g) - v.value) * (1 - b2))
        denom = ops.sqrt(v.value / (1 - b2 ** t)) + self.epsilon
        z.assign(z.value - lr * g / denom)
        w = 1.0 / t
        x_old = (variable.value - (1 - b1) * z_old) / b1
        x_new = (1 - w) * x_old + w * z.value
        variable.assign((1 - b1) * z.value + b1 * x_new)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
