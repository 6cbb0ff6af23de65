"""Training-time noise: dropout, additive Gaussian noise and multiplicative Gaussian dropout.

The noise is drawn on the operand's device from the backend's generator (seeded by
``cuflow.random.set_seed``), so nothing crosses the host boundary.
"""

from __future__ import annotations

import math

from .._core import check_float, record, to_tensor


def dropout(x, rate, training=True, noise_shape=None, seed=None):
    """Inverted dropout: zero a fraction ``rate`` of entries, scale the rest by 1/(1-rate)."""
    x = to_tensor(x)
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1); received {rate!r}")
    if not training or rate == 0.0:
        return x
    check_float("dropout", x)
    bk = x._backend
    shape = x.shape if noise_shape is None else tuple(
        s if n is None else n for s, n in zip(x.shape, noise_shape))
    # counter-based draw from the backend's [seed, counter] state: same masks on CPU and GPU,
    # and fresh masks on every replay of a captured CUDA graph (the counter lives on the device)
    u = bk.random_uniform_counter(shape, x.dtype, bk.rng_state)
    keep = (u >= rate).astype(x.dtype) * (1.0 / (1.0 - rate))
    keep = keep.astype(x.dtype, copy=False)
    out = x.data * keep
    return record(out, (x,), lambda g: (g * keep,), "dropout", bk)


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


__all__ = [
    "dropout", "gaussian_dropout", "gaussian_noise"
]
