"""Lion (Chen et al., 2023), Keras 3 formula, updated in place."""

from __future__ import annotations

from .base import DEFAULT_LR, Optimizer


class Lion(Optimizer):
    """``w -= lr*sign(b1*m + (1-b1)*g)``; then ``m = b2*m + (1-b2)*g``. One slot per variable
    (``momentum``); ``beta_1`` must lie in (0, 1] (0 degenerates to SignSGD, as Keras says)."""

    _default_name = "lion"

    def __init__(self, learning_rate=DEFAULT_LR, beta_1=0.9, beta_2=0.99, name="lion",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for nm, b in (("beta_1", beta_1), ("beta_2", beta_2)):
            if isinstance(b, bool) or not isinstance(b, (int, float)):
                raise ValueError(f"Lion: {nm} must be a number; received {nm}={b!r}")
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def _update_step(self, items, lr):
        b1, b2 = self.beta_1, self.beta_2
        for i, g, var in items:
            xp = var._backend.xp
            m, buf, buf2 = self._momentums[i].data, self._buffer(i), self._buffer(i, 2)
            xp.multiply(m, b1, out=buf)
            buf += xp.multiply(g, 1.0 - b1, out=buf2)
            xp.sign(buf, out=buf)
            buf *= lr
            var.data -= buf
            m *= b2
            m += xp.multiply(g, 1.0 - b2, out=buf2)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
