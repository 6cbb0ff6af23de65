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
