"""Training-time noise: additive Gaussian noise and multiplicative Gaussian dropout.

The noise is drawn on the operand's device from the backend's generator (seeded by
``cuflow.random.set_seed``), so nothing crosses the host boundary.
"""

from __future__ import annotations

import math

from ._core import check_float, record, to_tensor


def gaussian_noise(x, stddev):
    """``x + N(0, stddev^2)``; the gradient passes through unchanged."""
    x = to_tensor(x)
    check_float("gaussian_noise", x)
    bk = x._backend
    y = x.data + bk.normal(x.shape, 0.0, float(stddev), dtype=x.dtype)
    return record(y, (x,), lambda g: (g,), "gaussian_noise", bk)


def gaussian_dropout(x, rate):
    """``x * N(1, rate / (1 - rate))`` (Keras's GaussianDropout); the gradient is ``g * noise``."""
    x = to_tensor(x)
    check_float("gaussian_dropout", x)
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"gaussian_dropout: rate must be in [0, 1); received {rate!r}")
    bk = x._backend
    noise = bk.normal(x.shape, 1.0, math.sqrt(rate / (1.0 - rate)), dtype=x.dtype)
    return record(x.data * noise, (x,), lambda g: (g * noise,), "gaussian_dropout", bk)
