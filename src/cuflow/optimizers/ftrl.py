"""FTRL-Proximal (McMahan et al., 2013) with Keras 3's shrinkage and ``beta`` terms, in place."""

from __future__ import annotations

from .base import DEFAULT_LR, Optimizer


class Ftrl(Optimizer):
    """With ``p = -learning_rate_power``, ``l2 = l2_regularization_strength + beta/(2*lr)``:

    ``g' = g + 2*l2_shrinkage_regularization_strength*w``; ``n' = n + g²``;
    ``z += g' - (n'^p - n^p)/lr * w``; ``w = (clip(z, -l1, l1) - z) / (n'^p/lr + 2*l2)``;
    ``n = n'``. Slots per variable, in Keras's order: ``accumulator`` (starts at
    ``initial_accumulator_value``), ``linear``.
    """

    _default_name = "ftrl"

    def __init__(self, learning_rate=DEFAULT_LR, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        args = {"learning_rate_power": learning_rate_power,
                "initial_accumulator_value": initial_accumulator_value,
                "l1_regularization_strength": l1_regularization_strength,
                "l2_regularization_strength": l2_regularization_strength,
                "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength,
                "beta": beta}
        for nm, val in args.items():
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                raise ValueError(f"Ftrl: {nm} must be a number; received {nm}={val!r}")
        if initial_accumulator_value < 0.0:
            raise ValueError("`initial_accumulator_value` needs to be positive or zero. "
                             f"Received: initial_accumulator_value={initial_accumulator_value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        for nm in ("l1_regularization_strength", "l2_regularization_strength",
                   "l2_shrinkage_regularization_strength"):
            if args[nm] < 0.0:
                raise ValueError(f"`{nm}` needs to be positive or zero. Received: "
                                 f"{nm}={args[nm]}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = [], []
        for var in var_list:
            self._accumulators.append(self.add_variable(
                var.shape, self.initial_accumulator_value, var.dtype, name="accumulator",
                device=var.device))
            self._linears.append(self.add_variable_from_reference(var, "linear"))

    def _update_step(self, items, lr):
        p = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrink = 2.0 * self.l2_shrinkage_regularization_strength
        for i, g, var in items:
            xp = var._backend.xp
            n, z, w = self._accumulators[i].data, self._linears[i].data, var.data
            buf, buf2 = self._buffer(i), self._buffer(i, 2)
            z += g
            if shrink:
                z += xp.multiply(w, shrink, out=buf)
            xp.power(n, p, out=buf2)       # n^p
            xp.multiply(g, g, out=buf)
            n += buf                        # n = n'
            xp.power(n, p, out=buf)         # n'^p
            buf2 -= buf
            buf2 /= lr                      # -(n'^p - n^p)/lr
            buf2 *= w
            z += buf2
            buf /= lr
            buf += 2.0 * l2                 # quadratic
            xp.clip(z, -l1, l1, out=buf2)
            buf2 -= z
            xp.divide(buf2, buf, out=w)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta})
        return config
