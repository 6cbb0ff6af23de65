"""SGD with optional (Nesterov) momentum, Keras 3 formulas, updated in place."""

from __future__ import annotations

from .base import DEFAULT_SGD_LR, Optimizer
from .fused import FusedUpdateSpec


class SGD(Optimizer):
    """``m = momentum*m - lr*g; w += m`` (Nesterov: ``w += momentum*m - lr*g``); plain
    ``w -= lr*g`` when momentum is 0."""

    _default_name = "SGD"

    def __init__(self, learning_rate=DEFAULT_SGD_LR, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) \
                or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]; received "
                             f"momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(var_list, "momentum")

    def _update_step(self, items, lr):
        mu = self.momentum
        for i, g, var in items:
            xp = var._backend.xp
            w = var.data
            step = xp.multiply(g, lr, out=self._buffer(i))  # lr*g
            if mu == 0:
                w -= step
                continue
            m = self.momentums[i].data
            m *= mu
            m -= step
            if self.nesterov:
                w -= step
                w += xp.multiply(m, mu, out=step)
            else:
                w += m

    def fused_update_spec(self):
        if self.momentum == 0:
            return FusedUpdateSpec("sgd")
        options = {"momentum", "nesterov"} if self.nesterov else {"momentum"}
        return FusedUpdateSpec("sgd", frozenset(options), [self.momentums])

    def fused_hyperparameters(self, lr):
        return (self.momentum,)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
