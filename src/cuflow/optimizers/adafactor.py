"""Adafactor (Shazeer & Stern, 2018), Keras 3 formula: factored second moments for rank >= 2."""

from __future__ import annotations

import math

from .base import DEFAULT_LR, Optimizer
from .clipping import errstate


def _slot_name(variable):
    return str(variable.name).replace("/", "_").replace(":", "_")


class Adafactor(Optimizer):
    """Per step ``t`` (1-based), with ``reg = g² + epsilon_1``, ``b = 1 - t^beta_2_decay``:

    - rank >= 2 (the last two axes factored): ``r = b*r + (1-b)*mean(reg, -1)``,
      ``c = b*c + (1-b)*mean(reg, -2)``, ``v = (r / mean(r, -1))[..., None] * c[..., None, :]``;
    - rank < 2: ``v = b*v + (1-b)*reg`` (``r`` and ``c`` are scalar placeholders, as in Keras);
    - ``u = g / sqrt(v)``, ``u /= max(1, rms(u) / clip_threshold)``;
    - ``w -= max(epsilon_2, rms(w)) * min(lr, 1/sqrt(t)) * u``.

    Keras applies ``min(lr, 1/sqrt(t))`` whatever ``relative_step`` says (its ``relative_step``
    branch repeats the same minimum), and so does this class; the flag is kept for configs.
    Slots per variable, in Keras's order: ``r``, ``c``, ``velocity``.
    """

    _default_name = "adafactor"

    def __init__(self, learning_rate=DEFAULT_LR, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, name="adafactor",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for nm, val in (("beta_2_decay", beta_2_decay), ("epsilon_1", epsilon_1),
                        ("epsilon_2", epsilon_2), ("clip_threshold", clip_threshold)):
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                raise ValueError(f"Adafactor: {nm} must be a number; received {nm}={val!r}")
        if clip_threshold <= 0:
            raise ValueError(f"Adafactor: clip_threshold must be > 0; received "
                             f"clip_threshold={clip_threshold!r}")
        self.beta_2_decay = float(beta_2_decay)
        self.epsilon_1 = float(epsilon_1)
        self.epsilon_2 = float(epsilon_2)
        self.clip_threshold = float(clip_threshold)
        self.relative_step = bool(relative_step)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape, nm = tuple(var.shape), _slot_name(var)
            if len(shape) < 2:
                r_shape = c_shape = ()  # unused placeholders, kept so slot counts match Keras
            else:
                r_shape, c_shape = shape[:-1], shape[:-2] + shape[-1:]
            self._r.append(self.add_variable(r_shape, "zeros", var.dtype, name=nm,
                                             device=var.device))
            self._c.append(self.add_variable(c_shape, "zeros", var.dtype, name=nm,
                                             device=var.device))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def _update_step(self, items, lr):
        t = self._iteration_count() + 1
        rho = min(lr, 1.0 / math.sqrt(t))
        b = 1.0 - t ** self.beta_2_decay
        eps1, eps2, clip = self.epsilon_1, self.epsilon_2, self.clip_threshold
        for i, g, var in items:
            xp = var._backend.xp
            w = var.data
            v, buf = self._v[i].data, self._buffer(i)
            with errstate(xp):
                xp.multiply(w, w, out=buf)
                alpha = xp.maximum(eps2, xp.sqrt(xp.mean(buf))) * rho
                xp.multiply(g, g, out=buf)
                buf += eps1  # buf = regularised g²
                if w.ndim >= 2:
                    r, c = self._r[i].data, self._c[i].data
                    r *= b
                    r += (1.0 - b) * xp.mean(buf, axis=-1)
                    c *= b
                    c += (1.0 - b) * xp.mean(buf, axis=-2)
                    row = r / xp.mean(r, axis=-1, keepdims=True)
                    xp.multiply(row[..., :, None], c[..., None, :], out=v)
                else:
                    v *= b
                    buf *= 1.0 - b
                    v += buf
                xp.sqrt(v, out=buf)
                xp.divide(g, buf, out=buf)  # buf = u
                rms_u = xp.sqrt(xp.mean(xp.square(buf)))
                scale = alpha / xp.maximum(1.0, rms_u / clip)
                buf *= scale.astype(buf.dtype, copy=False)
            w -= buf

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
