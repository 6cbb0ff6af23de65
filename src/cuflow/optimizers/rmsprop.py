"""RMSprop (optionally centered, optionally with momentum), Keras 3 formulas, in place."""

from __future__ import annotations

from .base import DEFAULT_LR, Optimizer
from .fused import FusedUpdateSpec


class RMSprop(Optimizer):
    """``v = rho*v + (1-rho)*g²``; ``inc = lr*g / sqrt(v + eps)`` (centered: ``v - a² + eps``
    with ``a = rho*a + (1-rho)*g``); momentum: ``m = momentum*m + inc; w -= m``."""

    _default_name = "rmsprop"

    def __init__(self, learning_rate=DEFAULT_LR, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for nm, val in (("rho", rho), ("momentum", momentum), ("epsilon", epsilon)):
            if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0:
                raise ValueError(f"RMSprop: {nm} must be a number >= 0; received {nm}={val!r}")
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        # three separate groups, in Keras's order
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = (self.add_optimizer_variables(var_list, "momentum")
                           if self.momentum > 0 else [])
        self._average_gradients = (self.add_optimizer_variables(var_list, "average_gradient")
                                   if self.centered else [])

    def _update_step(self, items, lr):
        rho, eps, mu = self.rho, self.epsilon, self.momentum
        c = 1.0 - rho
        for i, g, var in items:
            xp = var._backend.xp
            v, buf = self._velocities[i].data, self._buffer(i)
            v *= rho
            xp.multiply(g, g, out=buf)
            buf *= c
            v += buf
            if self.centered:
                a = self._average_gradients[i].data
                a *= rho
                a += xp.multiply(g, c, out=buf)
                xp.multiply(a, a, out=buf)
                xp.subtract(v, buf, out=buf)
                buf += eps
            else:
                xp.add(v, eps, out=buf)
            xp.sqrt(buf, out=buf)
            xp.divide(g, buf, out=buf)
            buf *= lr
            if mu > 0:
                m = self._momentums[i].data
                m *= mu
                m += buf
                var.data -= m
            else:
                var.data -= buf

    def fused_update_spec(self):
        # columns: velocity, momentum (velocity again when unused), average gradient
        v = self._velocities
        options = set()
        slots = [v, self._momentums if self.momentum > 0 else v]
        if self.momentum > 0:
            options.add("momentum")
        if self.centered:
            options.add("centered")
            slots.append(self._average_gradients)
        return FusedUpdateSpec("rmsprop", frozenset(options), slots)

    def fused_hyperparameters(self, lr):
        return (self.rho, 1.0 - self.rho, self.epsilon, self.momentum)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
