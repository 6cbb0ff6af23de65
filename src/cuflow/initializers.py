"""Keras weight initializers (``tf.keras.initializers``, Keras 3 semantics).

Values are drawn on the host, from ``cuflow.random.host_rng()`` (or a generator of the
initializer's own ``seed``), then copied to the current device: the same seed gives bit-identical
weights on the CPU and the GPU, which keeps CPU/GPU comparisons and reruns exact.
"""

from __future__ import annotations

import math
import re

import numpy as np

from . import random as _random
from ._lookup import Configurable, Lookup
from .tensor import Tensor


def compute_fans(shape):
    """(fan_in, fan_out) as Keras: dense (in, out); conv kernels (..., in, out) times the
    receptive field size; vectors use their length for both."""
    shape = tuple(int(s) for s in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _shape(shape):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(int(s) < 0 for s in shape):
        raise ValueError(f"initializer shape must be non-negative; received {shape}")
    return tuple(int(s) for s in shape)


def _dtype(dtype, floating=True, who="initializer"):
    dt = np.dtype("float32" if dtype is None else dtype)
    if floating and dt.kind != "f":
        raise ValueError(f"{who} draws floating values; expected a floating dtype, received "
                         f"{dt}")
    return dt


def _check_seed(seed):
    if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
                             or seed < 0):
        raise ValueError(f"seed must be None or a non-negative int; received {seed!r}")
    return None if seed is None else int(seed)


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class Initializer(Configurable):
    """Base class: ``init(shape, dtype=None)`` -> a Tensor on the current device."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def clone(self):
        return type(self).from_config(self.get_config())


def _tensor(host, dtype):
    return Tensor(np.array(host, dtype=dtype, order="C"))  # 0-d stays 0-d


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return _tensor(np.zeros(_shape(shape)), _dtype(dtype, False))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return _tensor(np.ones(_shape(shape)), _dtype(dtype, False))


class Constant(Initializer):
    """Every entry ``value`` (a scalar, or an array that broadcasts to the shape)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        try:
            host = np.broadcast_to(np.asarray(self.value), shape)
        except ValueError:
            raise ValueError(f"Constant value of shape {np.shape(self.value)} does not broadcast "
                             f"to the requested shape {shape}") from None
        return _tensor(host, _dtype(dtype, False))

    def get_config(self):
        v = self.value
        return {"value": v.tolist() if isinstance(v, np.ndarray) else v}


class RandomInitializer(Initializer):
    """Holds the seed: None draws from the shared host generator (different every call); an int
    gives the same values on every call, as Keras 3's seeded initializers."""

    def __init__(self, seed=None):
        self.seed = _check_seed(seed)

    def _rng(self):
        return _random.host_rng() if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self.seed}


def _truncated(rng, shape):
    """Standard normal samples with everything beyond 2 (standard deviations) redrawn."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who=type(self).__name__)
        return _tensor(self.mean + self.stddev * self._rng().standard_normal(_shape(shape)), dt)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomNormal):
    """Normal samples, with values more than 2 stddev from the mean redrawn."""

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who=type(self).__name__)
        return _tensor(self.mean + self.stddev * _truncated(self._rng(), _shape(shape)), dt)


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who=type(self).__name__)
        return _tensor(self._rng().uniform(self.minval, self.maxval, _shape(shape)), dt)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


# 0.8796...: the stddev of a standard normal truncated to [-2, 2]; dividing by it restores the
# requested variance after truncation (Keras' constant).
_TRUNC_STD = 0.87962566103423978


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, n the fan chosen by ``mode``."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if not scale > 0.0:
            raise ValueError(f"VarianceScaling: scale must be a positive float; received "
                             f"{scale!r}")
        mode = str(mode).lower()
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {', '.join(self.MODES)}; "
                             f"received {mode!r}")
        distribution = str(distribution).lower()
        if distribution == "normal":  # tf.keras 2 spelling
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of "
                             f"{', '.join(self.DISTRIBUTIONS)}; received {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who=type(self).__name__)
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        var = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            host = _truncated(rng, shape) * (math.sqrt(var) / _TRUNC_STD)
        elif self.distribution == "untruncated_normal":
            host = rng.standard_normal(shape) * math.sqrt(var)
        else:
            limit = math.sqrt(3.0 * var)
            host = rng.uniform(-limit, limit, shape)
        return _tensor(host, dt)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


def _scaling(cls_name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(cls_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                               "__doc__": doc, "__module__": __name__})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform",
                         "Uniform in [-l, l], l = sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                        "Truncated normal, stddev sqrt(2 / (fan_in + fan_out)).")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal",
                    "Truncated normal, stddev sqrt(2 / fan_in).")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform",
                     "Uniform in [-l, l], l = sqrt(6 / fan_in).")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal",
                       "Truncated normal, stddev sqrt(1 / fan_in).")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform",
                        "Uniform in [-l, l], l = sqrt(3 / fan_in).")


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix over the flattened (prod(shape[:-1]), shape[-1]) view, times
    ``gain``: QR of a normal matrix with signs fixed by R's diagonal (uniform over O(n))."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who="Orthogonal")
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of rank >= 2; received {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return _tensor(self.gain * q.reshape(shape), dt)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    """``gain`` times the identity matrix (rectangular: ones on the main diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2-D shape; received {shape}")
        return _tensor(self.gain * np.eye(*shape), _dtype(dtype, False))

    def get_config(self):
        return {"gain": self.gain}


# snake_case aliases are the classes themselves, as in tf.keras (initializers.glorot_uniform())
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
identity = Identity
OrthogonalInitializer = Orthogonal
IdentityInitializer = Identity

_CLASSES = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
    Identity)}
_NAMES = {**_CLASSES, **{_snake(n): c for n, c in _CLASSES.items()},
          "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity,
          "uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros}


_lookup = Lookup("initializer", _NAMES, Initializer)
serialize, deserialize, get = _lookup.serialize, _lookup.deserialize, _lookup.get


__all__ = sorted([*_CLASSES, "Initializer", "IdentityInitializer", "OrthogonalInitializer",
                  "RandomInitializer", "compute_fans", "deserialize", "get", "serialize",
                  "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                  "identity", "lecun_normal", "lecun_uniform", "ones", "orthogonal",
                  "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
                  "zeros"])
