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


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) as Keras: the products over ``input_axes`` / ``output_axes`` when both
    are given; else dense (in, out); conv kernels (..., in, out) times the receptive field size;
    vectors use their length for both."""
    shape = tuple(int(s) for s in shape)
    if input_axes is not None and output_axes is not None:
        return (math.prod(shape[a] for a in input_axes),
                math.prod(shape[a] for a in output_axes))
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
    """None, a non-negative int, or a ``cuflow.random.SeedGenerator`` (its config dict too)."""
    if isinstance(seed, dict) and seed.get("class_name") == "SeedGenerator":
        seed = _random.SeedGenerator.from_config(seed.get("config") or {})
    if isinstance(seed, _random.SeedGenerator):
        return seed
    if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
                             or seed < 0):
        raise ValueError(f"`seed` argument should be an instance of "
                         f"`cuflow.random.SeedGenerator()` or an integer. Received: seed={seed!r}")
    return None if seed is None else int(seed)


def _seed_config(seed):
    if isinstance(seed, _random.SeedGenerator):
        return {"module": "cuflow.random", "class_name": "SeedGenerator",
                "config": seed.get_config(), "registered_name": None}
    return seed


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
    gives the same values on every call, as Keras 3's seeded initializers; a SeedGenerator
    advances on every call."""

    def __init__(self, seed=None):
        self.seed = _check_seed(seed)

    def _rng(self):
        if self.seed is None:
            return _random.host_rng()
        if isinstance(self.seed, _random.SeedGenerator):
            return np.random.default_rng(self.seed.next())
        return np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": _seed_config(self.seed)}


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

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        if not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        mode = str(mode).lower()
        if mode not in self.MODES:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of "
                             f"{set(self.MODES)}")
        distribution = str(distribution).lower()
        if distribution == "normal":  # tf.keras 2 spelling
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution}. Please use one "
                             f"of {set(self.DISTRIBUTIONS)}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        # Keras 3.15: the axes holding the input / output units (EinsumDense kernels)
        self.input_axes = None if input_axes is None else [int(a) for a in input_axes]
        self.output_axes = None if output_axes is None else [int(a) for a in output_axes]

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who=type(self).__name__)
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
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
                **super().get_config(), "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _scaling(cls_name, scale, mode, distribution, doc):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": _seed_config(self.seed), "input_axes": self.input_axes,
                "output_axes": self.output_axes}

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


_COSINE_WINDOWS = {  # generalised cosine windows: sum_k (-1)^k a_k cos(2 pi k n / M)
    "hann": (0.5, 0.5), "hamming": (0.54, 0.46), "blackman": (0.42, 0.5, 0.08),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
    "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368),
    "boxcar": (1.0,),
}
_WINDOW_ALIASES = {"hanning": "hann", "ones": "boxcar", "rect": "boxcar",
                   "rectangular": "boxcar", "triangle": "triang"}


def _symmetric_window(name, m):
    n = np.arange(m, dtype=np.float64)
    if name in _COSINE_WINDOWS:
        out = np.zeros(m)
        for k, a in enumerate(_COSINE_WINDOWS[name]):
            out += (-1) ** k * a * np.cos(2 * math.pi * k * n / (m - 1))
        return out
    if name == "bartlett":
        return 1.0 - np.abs(2.0 * n / (m - 1) - 1.0)
    if name == "triang":
        half = (m + 1) / 2.0
        return 1.0 - np.abs(n + 1 - half) / (half if m % 2 else m / 2.0)
    if name == "cosine":
        return np.sin(math.pi * (n + 0.5) / m)
    # tukey, alpha 0.5 (SciPy's default): cosine tapers over a quarter at each end
    alpha, width = 0.5, int(math.floor(0.5 * (m - 1) / 2.0))
    out = np.ones(m)
    head, tail = n[:width + 1], n[m - width - 1:]
    out[:width + 1] = 0.5 * (1 + np.cos(math.pi * (-1 + 2.0 * head / alpha / (m - 1))))
    out[m - width - 1:] = 0.5 * (1 + np.cos(math.pi * (-2.0 / alpha + 1 + 2.0 * tail / alpha /
                                                       (m - 1))))
    return out


_WINDOWS = (*_COSINE_WINDOWS, "bartlett", "triang", "cosine", "tukey")


def get_window(window, length, periodic=False):
    """``scipy.signal.get_window(window, length, fftbins=periodic)`` for the windows in
    ``_WINDOWS`` (periodic: the symmetric window of length + 1 without its last point)."""
    name = _WINDOW_ALIASES.get(window, window)
    if name not in _WINDOWS:
        raise ValueError(f"Unknown window type {window!r}; expected one of {sorted(_WINDOWS)} "
                         f"or an array of frame_length values")
    if length == 1:
        return np.ones(1)
    return _symmetric_window(name, length + 1)[:-1] if periodic else \
        _symmetric_window(name, length)


class STFT(Initializer):
    """The real (``side="real"``: cos) or imaginary (``"imag"``: sin) part of the DFT as a
    ``(frame_length, 1, fft_length // 2 + 1)`` convolution kernel, times a ``window`` (a name or
    frame_length values) divided by its ``scaling`` ("density": L2 norm, "spectrum": L1 norm,
    None: 1), as Keras's STFT initializer."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1)  # an unknown name fails now
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dt = _dtype(dtype, who="STFT")
        frame_length, _, bins = _shape(shape)
        win, scale = None, 1.0
        if self.window is not None:
            win = get_window(self.window, frame_length, self.periodic) \
                if isinstance(self.window, str) else np.asarray(self.window, dtype=np.float64)
            if win.ndim != 1 or win.shape[0] != frame_length:
                raise ValueError(f"The shape of `window` must be equal to [frame_length]. "
                                 f"Received: window shape={win.shape}")
            win = win.astype(dt).astype(np.float64)  # as Keras: the window in the dtype
            if self.scaling == "density":
                scale = math.sqrt(float(np.sum(win * win)))
            elif self.scaling == "spectrum":
                scale = float(np.sum(np.abs(win)))
        n_fft = (bins - 1) * 2
        args = -2.0 * math.pi * np.arange(frame_length)[:, None] * np.arange(bins)[None] / n_fft
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if win is not None:
            kernel = kernel * win[:, None] / scale
        return _tensor(kernel[:, None, :], dt)

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}


def _from_array(value):
    """``get(tensor_or_array)``: an initializer returning exactly those values (as Keras)."""
    host = value.numpy() if isinstance(value, Tensor) else np.asarray(value)

    def initialize_fn(shape, dtype=None):
        if tuple(_shape(shape)) != tuple(host.shape):
            raise ValueError(f"Expected `shape` to be {tuple(host.shape)} for direct tensor as "
                             f"initializer. Received shape={tuple(_shape(shape))}")
        return _tensor(host, np.dtype("float32" if dtype is None else dtype))

    return initialize_fn


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
stft = STFT
STFTInitializer = STFT
OrthogonalInitializer = Orthogonal
IdentityInitializer = Identity

_CLASSES = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
    Identity, STFT)}
_NAMES = {**_CLASSES, **{_snake(n): c for n, c in _CLASSES.items()},
          "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity,
          "STFTInitializer": STFT, "stft": STFT,
          "uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros}


_lookup = Lookup("initializer", _NAMES, Initializer)
serialize, deserialize = _lookup.serialize, _lookup.deserialize


def get(identifier):
    """An initializer from a name, a config dict, a class, an instance, a callable, or a tensor /
    array (its values, for exactly its shape); None stays None."""
    if isinstance(identifier, (Tensor, np.ndarray, np.generic)):
        return _from_array(identifier)
    return _lookup.get(identifier)


__all__ = sorted([*_CLASSES, "Initializer", "IdentityInitializer", "OrthogonalInitializer",
                  "STFTInitializer", "stft",
                  "RandomInitializer", "compute_fans", "deserialize", "get", "serialize",
                  "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                  "identity", "lecun_normal", "lecun_uniform", "ones", "orthogonal",
                  "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
                  "zeros"])
