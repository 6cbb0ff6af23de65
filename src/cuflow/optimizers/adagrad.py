"""Accumulator optimizers: Adagrad and Adadelta, Keras 3 formulas, updated in place."""

from __future__ import annotations

from .base import DEFAULT_LR, Optimizer


def _nonneg(cls, **values):
    for nm, val in values.items():
        if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0:
            raise ValueError(f"{cls}: {nm} must be a number >= 0; received {nm}={val!r}")
    return [float(v) for v in values.values()]


class Adagrad(Optimizer):
    """``acc += g²``; ``w -= lr*g / sqrt(acc + eps)``; ``acc`` starts at
    ``initial_accumulator_value``."""

    _default_name = "adagrad"

    def __init__(self, learning_rate=DEFAULT_LR, initial_accumulator_value=0.1,
                 epsilon=1e-7, name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = _nonneg(
            "Adagrad", initial_accumulator_value=initial_accumulator_value, epsilon=epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=self.initial_accumulator_value)

    def _update_step(self, items, lr):
        eps = self.epsilon
        for i, g, var in items:
            xp = var._backend.xp
            acc, buf = self._accumulators[i].data, self._buffer(i)
            acc += xp.multiply(g, g, out=buf)
            xp.add(acc, eps, out=buf)
            xp.sqrt(buf, out=buf)
            xp.divide(g, buf, out=buf)
            buf *= lr
            var.data -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """``Eg = rho*Eg + (1-rho)*g²``; ``d = -sqrt(Ed + eps)*g / sqrt(Eg + eps)``;
    ``Ed = rho*Ed + (1-rho)*d²``; ``w += lr*d``."""

    _default_name = "adadelta"

    def __init__(self, learning_rate=DEFAULT_LR, rho=0.95, epsilon=1e-7, name="adadelta",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = _nonneg("Adadelta", rho=rho, epsilon=epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def _update_step(self, items, lr):
        rho, eps = self.rho, self.epsilon
        c = 1.0 - rho
        for i, g, var in items:
            xp = var._backend.xp
            eg, ed = self._accumulated_grads[i].data, self._accumulated_delta_vars[i].data
            buf, buf2 = self._buffer(i), self._buffer(i, 2)
            eg *= rho
            xp.multiply(g, g, out=buf)
            buf *= c
            eg += buf
            xp.add(ed, eps, out=buf)  # buf = -d = sqrt(Ed+eps) * g / sqrt(Eg+eps)
            xp.sqrt(buf, out=buf)
            buf *= g
            xp.add(eg, eps, out=buf2)
            xp.sqrt(buf2, out=buf2)
            buf /= buf2
            ed *= rho
            xp.multiply(buf, buf, out=buf2)
            buf2 *= c
            ed += buf2
            buf *= lr
            var.data -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
