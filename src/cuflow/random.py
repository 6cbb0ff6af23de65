"""One place for randomness: a host generator for weight initialisation (identical values on every
device for the same seed) and the backends' own generators for masks drawn during training."""

from __future__ import annotations

import random as _pyrandom

import numpy as np

from . import autodiff
from .backend.selection import seed_backends

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
    seed_backends(seed)  # the device generators (dropout masks), now and for later backends


# ---- keras.random: draws as Tensors on the current device ---------------------------------------
class SeedGenerator:
    """A stateful seed (``keras.random.SeedGenerator``): each draw advances it."""

    def __init__(self, seed=None, **kwargs):
        kwargs.pop("name", None)  # Keras's config may carry a name
        if seed is None:  # as Keras: a seed drawn now, so the config rebuilds this generator
            seed = int(_host.integers(0, 2**31 - 1))
        self._initial_seed = int(seed)
        self._rng = np.random.default_rng(self._initial_seed)

    def next(self):
        return int(self._rng.integers(0, 2**31 - 1))

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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


def _result(out, x, backward, op):
    """``out`` as a Tensor on ``x``'s device, in the graph when ``x`` needs a gradient (the ops'
    recording rule; these two draws are built on the tensor layer, below the ops)."""
    from .tensor import Tensor

    node = autodiff.Node((x,), backward, op) if autodiff.is_grad_enabled() and \
        x.requires_grad else None
    return Tensor._wrap(out, node, x._backend)


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
    """``x`` permuted along ``axis``; the gradient flows back through the inverse permutation."""
    from .tensor import Tensor

    t = x if isinstance(x, Tensor) else Tensor(x)
    if not -t.ndim <= axis < max(t.ndim, 1) or t.ndim == 0:
        raise ValueError(f"shuffle: axis {axis} is out of range for a tensor of rank {t.ndim}")
    ax = axis % t.ndim
    perm = _generator(seed).permutation(t.shape[ax])
    index = (slice(None),) * ax + (t._backend.asarray(perm),)

    def backward(g):
        gx = t._backend.xp.empty(t.shape, dtype=g.dtype)
        gx[index] = g  # a permutation: every position is written once
        return (gx,)

    return _result(t.data[index], t, backward, "shuffle")


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout (always applied): zero a fraction ``rate`` of entries, scale the rest by
    ``1 / (1 - rate)``. Masks come from the backend's counter-based generator, the same draw as
    ``cuflow.ops.dropout`` (``seed`` is accepted for Keras's signature; ``set_seed`` seeds it)."""
    from .tensor import Tensor

    x = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1); received {rate!r}")
    if rate == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating tensor; received dtype {x.dtype}")
    bk = x._backend
    shape = x.shape if noise_shape is None else tuple(
        s if n is None else n for s, n in zip(x.shape, noise_shape))
    u = bk.random_uniform_counter(shape, x.dtype, bk.rng_state)
    keep = (u >= rate).astype(x.dtype) * (1.0 / (1.0 - rate))
    keep = keep.astype(x.dtype, copy=False)
    return _result(x.data * keep, x, lambda g: (g * keep,), "dropout")
