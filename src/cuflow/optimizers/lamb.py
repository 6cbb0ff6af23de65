"""Lamb (Yang et al., 2019): Adam moments with a layer-wise trust ratio, Keras 3 formula."""

from __future__ import annotations

from .adam import _check_betas, update_moments
from .base import DEFAULT_LR, Optimizer
from .clipping import errstate


class Lamb(Optimizer):
    """``m += (g-m)(1-b1)``; ``v += (g²-v)(1-b2)``;
    ``u = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)``;
    ``w -= r*lr*u`` with ``r = |w|/|u|`` when both norms are > 0, else 1.

    The norms stay on the variable's device (0-d arrays): no host synchronisation per step.
    """

    _default_name = "lamb"

    def __init__(self, learning_rate=DEFAULT_LR, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="lamb", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        _check_betas(self, beta_1, beta_2, epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def _update_step(self, items, lr):
        t = self._iteration_count() + 1
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        c1, c2 = 1.0 - b1, 1.0 - b2
        corr1, corr2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        for i, g, var in items:
            xp = var._backend.xp
            m, v = self._momentums[i].data, self._velocities[i].data
            buf, buf2 = self._buffer(i), self._buffer(i, 2)
            update_moments(xp, g, m, v, buf, c1, c2)
            xp.divide(v, corr2, out=buf2)
            xp.sqrt(buf2, out=buf2)
            buf2 += eps
            xp.divide(m, corr1, out=buf)
            buf /= buf2  # buf = update
            with errstate(xp):
                flat_w, flat_u = var.data.reshape(-1), buf.reshape(-1)
                w_norm = xp.sqrt(xp.vdot(flat_w, flat_w))
                u_norm = xp.sqrt(xp.vdot(flat_u, flat_u))
                ratio = xp.where(w_norm > 0, xp.where(u_norm > 0, w_norm / u_norm, 1.0), 1.0)
                buf *= (ratio * lr).astype(buf.dtype, copy=False)
            var.data -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
