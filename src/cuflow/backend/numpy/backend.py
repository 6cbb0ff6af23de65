"""The CPU backend: NumPy arrays. Its semantics are the reference for every other backend."""

from __future__ import annotations

import numpy as np

from ..base import Backend
from . import jit
from .malloc_tuning import tune_once
from .random import initial_state, uniform_numpy

_FAST_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class NumpyBackend(Backend):
    xp = np

    def __init__(self):
        tune_once()  # training temporaries reused from the heap, not re-faulted each step
        self.device = "cpu"
        self._rng = np.random.default_rng()
        self._seed = None
        self._rng_state = None

    @property
    def _kernels(self):
        kernels = self.__dict__.get("_kernel_module")
        if kernels is None:  # imported on first use: it is the bulk of the CPU math
            from . import kernels

            self.__dict__["_kernel_module"] = kernels
        return kernels

    # Fast paths for the kernels every small model calls each step. Each computes exactly what
    # its twin in the family modules computes (tests/backend/numpy/test_backend.py checks that),
    # minus the per-call validation and errstate bookkeeping the twins do for arbitrary input.
    def activation_forward(self, name, x, alpha=None):
        if name == "relu" and type(x) is np.ndarray and x.dtype in _FAST_FLOATS:
            return np.maximum(x, x.dtype.type(0))  # NaN propagates, as the twin's rule
        return self._kernels.activation_forward(name, x, alpha)

    def activation_backward(self, name, x, y, dy, alpha=None):
        if name == "relu" and type(x) is np.ndarray and x.dtype in _FAST_FLOATS and \
                type(dy) is np.ndarray and dy.dtype == x.dtype and dy.shape == x.shape:
            dx = dy * (x > 0)
            if x.size and np.isnan(x.max()):  # the twin's rule: f'(NaN) = NaN (max keeps NaN)
                dx[np.isnan(x)] = np.nan
            return dx
        return self._kernels.activation_backward(name, x, y, dy, alpha)

    def bias_activation_forward(self, name, z, bias, alpha=None):
        if name in ("relu", "linear") and type(z) is np.ndarray and z.dtype in _FAST_FLOATS \
                and z.ndim == 2 and type(bias) is np.ndarray and bias.dtype == z.dtype \
                and bias.shape == z.shape[1:]:
            if jit.ready(z, bias):
                return jit.family("activations").bias_activation_forward(name, z, bias)
            y = np.add(z, bias, out=z if z.flags.writeable else None)
            if name == "relu":
                np.maximum(y, y.dtype.type(0), out=y)
            return None, y
        return self._kernels.bias_activation_forward(name, z, bias, alpha)

    def bias_activation_backward(self, name, x, y, dy, alpha=None, need_bias=True):
        if name in ("relu", "linear") and type(y) is np.ndarray and y.dtype in _FAST_FLOATS \
                and y.ndim == 2 and type(dy) is np.ndarray and dy.dtype == y.dtype \
                and dy.shape == y.shape:
            if jit.ready(y, dy):
                return jit.family("activations").bias_activation_backward(name, y, dy, need_bias)
            dz = dy * (y > 0) if name == "relu" else dy.copy()
            if y.size and np.isnan(y.max()):  # the twin's rule: f'(NaN) = NaN (max keeps NaN)
                dz[np.isnan(y)] = np.nan
            db = dz.sum(axis=0, dtype=np.float64).astype(dz.dtype) if need_bias else None
            return dz, db
        return self._kernels.bias_activation_backward(name, x, y, dy, alpha, need_bias)

    # 2-D windows: the compiled loops where the accelerator is on (validated as the twins do)
    def col2im(self, cols, x_shape, ks, strides, dils, pads, outs):
        # few channels: NumPy's slice-adds are faster than the compiled loop (3 channels: 0.7 ms
        # against 1.3 ms for a 64x32x32 batch; 32 channels: 1.5 ms against 0.4 ms)
        if len(ks) == 2 and len(x_shape) == 4 and x_shape[3] >= 8 and jit.ready(cols):
            from .windows import window_geometry

            x_shape = tuple(int(v) for v in x_shape)
            ks, strides, dils, pads, outs = window_geometry(x_shape, ks, strides, dils, pads,
                                                            outs)
            if cols.shape == (ks[0] * ks[1], x_shape[0] * outs[0] * outs[1], x_shape[3]):
                return jit.family("windows").col2im(cols, x_shape, ks, strides, dils, pads, outs)
        return self._kernels.col2im(cols, x_shape, ks, strides, dils, pads, outs)

    def max_pool_forward(self, x, ks, strides, pads, outs):
        if len(ks) == 2 and getattr(x, "ndim", 0) == 4 and jit.ready(x):
            from .windows import pool_geometry

            ks, strides, pads, outs = pool_geometry(x.shape, ks, strides, pads, outs)
            return jit.family("windows").max_pool_forward(x, ks, strides, pads, outs)
        return self._kernels.max_pool_forward(x, ks, strides, pads, outs)

    def max_pool_backward(self, g, x, y, ks, strides, pads, outs):
        if len(ks) == 2 and getattr(x, "ndim", 0) == 4 and jit.ready(x, g, y):
            from .windows import pool_geometry

            ks, strides, pads, outs = pool_geometry(x.shape, ks, strides, pads, outs)
            want = (x.shape[0],) + outs + (x.shape[-1],)
            if g.shape == want and y.shape == want:
                return jit.family("windows").max_pool_backward(g, x, y, ks, strides, pads, outs)
        return self._kernels.max_pool_backward(g, x, y, ks, strides, pads, outs)

    def sparse_softmax_cross_entropy(self, logits, labels, need_grad=True):
        # the twin's values with fewer passes: exp once, the label column by fancy indexing
        if type(logits) is np.ndarray and logits.dtype in _FAST_FLOATS and logits.ndim == 2 and \
                logits.size and type(labels) is np.ndarray and labels.dtype.kind in "iu" and \
                labels.shape in ((logits.shape[0],), (logits.shape[0], 1)):
            n = logits.shape[1]
            k = labels.reshape(-1)
            lo, hi = k.min(), k.max()
            if lo < 0 or hi >= n:
                from .common import bad_label_error

                raise bad_label_error(lo if lo < 0 else hi, n)
            rows = np.arange(len(k))
            with np.errstate(all="ignore"):
                m = logits.max(axis=1, keepdims=True)
                e = np.exp(logits - m)
                s = e.sum(axis=1, keepdims=True, dtype=np.float64).astype(logits.dtype)
                per = (m + np.log(s))[:, 0] - logits[rows, k]
                if not need_grad:
                    return per, None
                grad = e / s
                grad[rows, k] -= 1
            return per, grad
        return self._kernels.sparse_softmax_cross_entropy(logits, labels, need_grad=need_grad)

    def sum_batch(self, x):
        if type(x) is np.ndarray and x.dtype in _FAST_FLOATS and x.ndim >= 1:
            return x.sum(axis=0, dtype=np.float64).astype(x.dtype)
        return self._kernels.sum_batch(x)

    def asarray(self, data, dtype=None):
        if hasattr(data, "__cuda_array_interface__"):
            data = data.get()  # a CuPy array: an explicit host copy, asked for by the caller
        return np.asarray(data, dtype=dtype)

    def to_numpy(self, array):
        return np.asarray(array)

    def is_native(self, array) -> bool:
        return isinstance(array, np.ndarray)

    def synchronize(self) -> None:
        return None

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self._seed = seed
        if self._rng_state is not None:
            self._rng_state[...] = initial_state(seed)

    def random_uniform_counter(self, shape, dtype, state_array):
        return uniform_numpy(shape, dtype, state_array)

    @property
    def rng_state(self):
        """The [seed, counter] int64 array dropout masks draw from (see ``numpy/random.py``)."""
        if self._rng_state is None:
            self._rng_state = initial_state(self._seed)
        return self._rng_state

    def uniform(self, shape, low=0.0, high=1.0, dtype="float32"):
        return self._rng.uniform(low, high, size=shape).astype(dtype, copy=False)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32"):
        return self._rng.normal(mean, stddev, size=shape).astype(dtype, copy=False)

    def matmul(self, a, b):
        return np.matmul(a, b)

    def scatter_add(self, target, index, values) -> None:
        np.add.at(target, index, values)
