"""Adam's whole update, compiled: one pass over (g, m, v, w) instead of twelve NumPy passes, in
the order of operations ``optimizers/adam.py`` (and the fused GPU kernel) use, each step rounded
to the variable's dtype, so the result is NumPy's bit for bit."""

from __future__ import annotations

import numpy as np

from ._compile import compiled


def _adam(g, m, v, w, alpha, c1, c2, eps):
    for i in range(w.size):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        m[i] = mi
        v[i] = vi
        w[i] = w[i] - (mi / (np.sqrt(vi) + eps)) * alpha


_ADAM = compiled(_adam)


def adam_update(g, m, v, w, alpha, c1, c2, eps):
    """In place on ``m``, ``v``, ``w`` (contiguous, one float dtype, the same shape as ``g``);
    the Python scalars are rounded to that dtype first, as NumPy does with them."""
    t = w.dtype.type
    _ADAM(g.reshape(-1), m.reshape(-1), v.reshape(-1), w.reshape(-1), t(alpha),
                        t(c1), t(c2), t(eps))
