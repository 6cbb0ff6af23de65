"""The GPU backend: CuPy arrays on one device plus our own CUDA kernels (``cupy_kernels``).

CuPy is imported here only; this module is imported only when a GPU device is first used.
"""

from __future__ import annotations

import numpy as np

from .base import Backend


class CupyBackend(Backend):
    def __init__(self, device_id: int = 0):
        import cupy

        self.xp = cupy
        self.device_id = int(device_id)
        self.device = f"gpu:{self.device_id}"
        with cupy.cuda.Device(self.device_id):
            self._rng = cupy.random.RandomState()

    @property
    def _kernels(self):
        from . import cupy_kernels

        return cupy_kernels

    def _on_device(self):
        return self.xp.cuda.Device(self.device_id)

    def asarray(self, data, dtype=None):
        with self._on_device():
            return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array):
        if isinstance(array, np.ndarray):
            return array
        return self.xp.asnumpy(array)

    def is_native(self, array) -> bool:
        return isinstance(array, self.xp.ndarray) and array.device.id == self.device_id

    def synchronize(self) -> None:
        with self._on_device():
            self.xp.cuda.get_current_stream().synchronize()

    def seed(self, seed: int) -> None:
        with self._on_device():
            self._rng = self.xp.random.RandomState(seed)

    def uniform(self, shape, low=0.0, high=1.0, dtype="float32"):
        with self._on_device():
            return self._rng.uniform(low, high, size=shape).astype(dtype, copy=False)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32"):
        with self._on_device():
            return self._rng.normal(mean, stddev, size=shape).astype(dtype, copy=False)

    def matmul(self, a, b):
        with self._on_device():
            return self.xp.matmul(a, b)

    def scatter_add(self, target, index, values) -> None:
        import cupyx

        with self._on_device():
            cupyx.scatter_add(target, index, values)
