"""The CPU backend: NumPy arrays. Its semantics are the reference for every other backend."""

from __future__ import annotations

import numpy as np

from .base import Backend


class NumpyBackend(Backend):
    xp = np

    def __init__(self):
        self.device = "cpu"
        self._rng = np.random.default_rng()
        self._seed = None
        self._rng_state = None

    @property
    def _kernels(self):
        from . import numpy_kernels  # imported on first use: it is the bulk of the CPU math

        return numpy_kernels

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
            from . import counter_rng

            self._rng_state[...] = counter_rng.initial_state(seed)

    def random_uniform_counter(self, shape, dtype, state_array):
        from . import counter_rng

        return counter_rng.uniform_numpy(shape, dtype, state_array)

    @property
    def rng_state(self):
        """The [seed, counter] int64 array dropout masks draw from (see ``counter_rng``)."""
        if self._rng_state is None:
            from . import counter_rng

            self._rng_state = counter_rng.initial_state(self._seed)
        return self._rng_state

    def uniform(self, shape, low=0.0, high=1.0, dtype="float32"):
        return self._rng.uniform(low, high, size=shape).astype(dtype, copy=False)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32"):
        return self._rng.normal(mean, stddev, size=shape).astype(dtype, copy=False)

    def matmul(self, a, b):
        return np.matmul(a, b)

    def scatter_add(self, target, index, values) -> None:
        np.add.at(target, index, values)
