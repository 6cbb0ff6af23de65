"""One place for randomness: a host generator for weight initialisation (identical values on every
device for the same seed) and the backends' own generators for masks drawn during training."""

from __future__ import annotations

import random as _pyrandom

import numpy as np

_host = np.random.default_rng()
_seed = None


def host_rng() -> np.random.Generator:
    """The generator initializers draw from; reseeded by ``set_seed``."""
    return _host


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global state, the host generator and every backend."""
    global _host, _seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; received {seed!r}")
    seed = int(seed)
    _seed = seed
    _pyrandom.seed(seed)
    np.random.seed(seed % 2**32)
    _host = np.random.default_rng(seed)
    from .backend.selection import _backends

    for i, bk in enumerate(_backends.values()):  # creation order, as backend_seed_for counts
        bk.seed(seed + 7919 * i)


def backend_seed_for(device_index: int) -> int | None:
    """The seed a backend created after ``set_seed`` should start from (None: unseeded)."""
    return None if _seed is None else _seed + 7919 * device_index


# ---- keras.random: draws as Tensors on the current device ---------------------------------------
class SeedGenerator:
    """A stateful seed (``keras.random.SeedGenerator``): each draw advances it."""

    def __init__(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def next(self):
        return int(self._rng.integers(0, 2**31 - 1))


def _generator(seed):
    if seed is None:
        return _host
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next())
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, an int or a SeedGenerator; received {seed!r}")


def _tensor(values, dtype):
    from .tensor import Tensor

    return Tensor(np.asarray(values, dtype=dtype or "float32"))


def _shape(shape):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must be non-negative; received {shape}")
    return shape


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _tensor(_generator(seed).normal(mean, stddev, _shape(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _tensor(_generator(seed).uniform(minval, maxval, _shape(shape)), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations, as Keras."""
    rng, shape = _generator(seed), _shape(shape)
    out = rng.normal(size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(out) > 2
    return _tensor(mean + stddev * out, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return _tensor(_generator(seed).integers(minval, maxval, _shape(shape)), dtype)


def shuffle(x, axis=0, seed=None):
    from .tensor import Tensor

    t = x if isinstance(x, Tensor) else Tensor(x)
    perm = _generator(seed).permutation(t.shape[axis])
    from . import ops

    return ops.take(t, perm, axis=axis)


def dropout(inputs, rate, noise_shape=None, seed=None):
    from . import ops

    return ops.dropout(inputs, rate, training=True, noise_shape=noise_shape)
