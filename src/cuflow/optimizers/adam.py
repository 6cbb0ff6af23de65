"""The Adam family: Adam, AdamW, Adamax, Nadam — Keras 3 formulas, updated in place.

Bias corrections are folded into per-step Python scalars (Keras's ``alpha``), computed once per
``apply``; each variable then costs a fixed handful of ``out=`` passes and no allocation.
"""

from __future__ import annotations

import math

from ..backend.numpy import jit as cpu_jit
from .base import DEFAULT_LR, Optimizer
from .fused import FusedUpdateSpec


def update_moments(xp, g, m, v, buf, c1, c2):
    """Adam's moments in place: ``m += (g - m) * c1``, ``v += (g*g - v) * c2`` (``buf`` is
    scratch of g's shape). The order of operations is the one the fused GPU kernel repeats."""
    xp.subtract(g, m, out=buf)
    buf *= c1
    m += buf
    xp.multiply(g, g, out=buf)
    buf -= v
    buf *= c2
    v += buf


def _check_betas(opt, beta_1, beta_2, epsilon):
    for nm, b in (("beta_1", beta_1), ("beta_2", beta_2)):
        if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0 <= b <= 1:
            raise ValueError(f"{type(opt).__name__}: {nm} must be a number in [0, 1]; "
                             f"received {nm}={b!r}")
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
        raise ValueError(f"{type(opt).__name__}: epsilon must be a number >= 0; received "
                         f"epsilon={epsilon!r}")
    opt.beta_1, opt.beta_2, opt.epsilon = float(beta_1), float(beta_2), float(epsilon)


class Adam(Optimizer):
    """``alpha = lr*sqrt(1-b2^t)/(1-b1^t)``; ``m += (g-m)(1-b1)``; ``v += (g²-v)(1-b2)``;
    ``w -= alpha*m/(sqrt(v)+eps)`` (AMSGrad: ``v`` replaced by its running max)."""

    _default_name = "adam"

    def __init__(self, learning_rate=DEFAULT_LR, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        _check_betas(self, beta_1, beta_2, epsilon)
        self.amsgrad = bool(amsgrad)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        self._velocity_hats = (self.add_optimizer_variables(var_list, "velocity_hat")
                               if self.amsgrad else None)

    def _step_scalars(self, lr):
        """``(alpha, 1 - beta_1, 1 - beta_2, epsilon)`` for step t + 1, shared by the update below
        and the fused kernel (``fused_hyperparameters``)."""
        t = self._iteration_count() + 1
        b1, b2 = self.beta_1, self.beta_2
        # Python floats: NumPy rounds them to the variable's dtype (a NumPy float64 scalar would
        # make float32 updates compute in float64), as the compiled and GPU updates do
        return (float(lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)), 1.0 - b1, 1.0 - b2,
                self.epsilon)

    def _update_step(self, items, lr):
        alpha, c1, c2, eps = self._step_scalars(lr)
        ms, vs, hats = self._momentums, self._velocities, self._velocity_hats
        for i, g, var in items:
            xp = var._backend.xp
            if hats is None and cpu_jit.ready(var.data, g, ms[i].data, vs[i].data):
                # the same operations in one compiled pass (the optional CPU accelerator)
                cpu_jit.family("optimizers").adam_update(g, ms[i].data, vs[i].data, var.data,
                                                         alpha, c1, c2, eps)
                continue
            m, v, buf = ms[i].data, vs[i].data, self._buffer(i)
            update_moments(xp, g, m, v, buf, c1, c2)
            if hats is not None:
                v = xp.maximum(hats[i].data, v, out=hats[i].data)
            xp.sqrt(v, out=buf)
            buf += eps
            xp.divide(m, buf, out=buf)
            buf *= alpha
            var.data -= buf

    def fused_update_spec(self):
        if self.amsgrad:
            return FusedUpdateSpec("adam", frozenset({"amsgrad"}),
                                   [self._momentums, self._velocities, self._velocity_hats])
        return FusedUpdateSpec("adam", frozenset(), [self._momentums, self._velocities])

    def fused_hyperparameters(self, lr):
        return self._step_scalars(lr)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay ``w -= w*wd*lr`` before each update (default 0.004)."""

    _default_name = "adamw"

    def __init__(self, learning_rate=DEFAULT_LR, weight_decay=0.004, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-7, amsgrad=False, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name, weight_decay=weight_decay,
                         **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class Adamax(Optimizer):
    """``m += (g-m)(1-b1)``; ``u = max(b2*u, |g|)``; ``w -= lr*m / ((1-b1^t)(u+eps))``."""

    _default_name = "adamax"

    def __init__(self, learning_rate=DEFAULT_LR, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        _check_betas(self, beta_1, beta_2, epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _update_step(self, items, lr):
        t = self._iteration_count() + 1
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        step = lr / (1.0 - b1 ** t)
        c1 = 1.0 - b1
        for i, g, var in items:
            xp = var._backend.xp
            m, u, buf = self._m[i].data, self._u[i].data, self._buffer(i)
            xp.subtract(g, m, out=buf)
            buf *= c1
            m += buf
            u *= b2
            xp.maximum(u, xp.abs(g, out=buf), out=u)
            xp.add(u, eps, out=buf)
            xp.divide(m, buf, out=buf)
            buf *= step
            var.data -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras's 0.96 momentum-decay schedule ``u_t``."""

    _default_name = "nadam"

    def __init__(self, learning_rate=DEFAULT_LR, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        _check_betas(self, beta_1, beta_2, epsilon)
        self._u_product = (0, 1.0)  # (steps folded in, product of u_1..u_steps)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def _u(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def _u_product_through(self, t):
        """prod(u_1..u_t). Keras keeps it in an unsaved variable; deriving it from the step
        count keeps a restored optimizer continuing exactly."""
        done, prod = self._u_product
        if done > t:
            done, prod = 0, 1.0
        for k in range(done + 1, t + 1):
            prod *= self._u(k)
        self._u_product = (t, prod)
        return prod

    def _update_step(self, items, lr):
        t = self._iteration_count() + 1
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        u_t, u_t1 = self._u(t), self._u(t + 1)
        u_prod = self._u_product_through(t)
        a = u_t1 / (1.0 - u_prod * u_t1)  # m_hat = a*m + b*g
        b = (1.0 - u_t) / (1.0 - u_prod)
        v_corr = 1.0 - b2 ** t
        c1, c2 = 1.0 - b1, 1.0 - b2
        for i, g, var in items:
            xp = var._backend.xp
            m, v = self._momentums[i].data, self._velocities[i].data
            buf, buf2 = self._buffer(i), self._buffer(i, 2)
            update_moments(xp, g, m, v, buf, c1, c2)
            xp.multiply(g, b, out=buf)
            buf += xp.multiply(m, a, out=buf2)
            xp.divide(v, v_corr, out=buf2)
            xp.sqrt(buf2, out=buf2)
            buf2 += eps
            buf /= buf2
            buf *= lr
            var.data -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
