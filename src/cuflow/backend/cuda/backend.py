"""The GPU backend: CuPy arrays on one device plus our own CUDA kernels (``cuda/kernels.py``).

Imported only when a GPU device is first used; CuPy itself is imported inside functions, so
every ``cuda/`` module imports on a machine without it.
"""

from __future__ import annotations

import logging

import numpy as np

from ..base import Backend
from ..numpy.random import initial_state

log = logging.getLogger("cuflow")
_cublas_state = {}


def _cublas_ok() -> bool:
    """Whether our cuBLAS loads; decided once, with one log line when it does not."""
    ok = _cublas_state.get("ok")
    if ok is None:
        from . import cublas

        try:
            cublas._library()
            ok = True
        except cublas.CublasNotFound as exc:
            log.warning("cuflow: matmul falls back to cupy.matmul (not capturable in CUDA "
                        "graphs): %s", exc)
            ok = False
        _cublas_state["ok"] = ok
    return ok


class CupyBackend(Backend):
    def __init__(self, device_id: int = 0):
        import cupy

        self.xp = cupy
        self.device_id = int(device_id)
        self.device = f"gpu:{self.device_id}"
        with cupy.cuda.Device(self.device_id):
            self._rng = cupy.random.RandomState()
        self._seed = None
        self._rng_state = None

    @property
    def _kernels(self):
        from . import kernels

        return kernels

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
            self._seed = seed
            if self._rng_state is not None:  # in place: captured graphs hold its address
                self._rng_state.set(initial_state(seed))

    def uniform(self, shape, low=0.0, high=1.0, dtype="float32"):
        with self._on_device():
            return self._rng.uniform(low, high, size=shape).astype(dtype, copy=False)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32"):
        with self._on_device():
            return self._rng.normal(mean, stddev, size=shape).astype(dtype, copy=False)

    def matmul(self, a, b):
        # Our own cuBLAS handle (capturable into CUDA graphs); cupy.matmul when the library or
        # the pattern (mixed dtypes, odd strides) is not handled there.
        with self._on_device():
            if _cublas_ok():
                from . import cublas

                out = cublas.matmul(a, b)
                if out is not None:
                    return out
            return self.xp.matmul(a, b)

    def random_uniform_counter(self, shape, dtype, state_array):
        from .random import uniform_cupy

        with self._on_device():
            return uniform_cupy(shape, dtype, state_array)

    @property
    def rng_state(self):
        """The device [seed, counter] int64 array dropout masks draw from (fixed address, so a
        captured CUDA graph keeps drawing fresh numbers on every replay)."""
        if self._rng_state is None:
            with self._on_device():
                self._rng_state = self.xp.asarray(initial_state(self._seed))
        return self._rng_state

    def scatter_add(self, target, index, values) -> None:
        import cupyx

        from ..config import op_determinism_enabled

        with self._on_device():
            if op_determinism_enabled():
                # cupyx.scatter_add sums with float atomics (order varies run to run); the
                # deterministic path sums on the host in index order: slower, but repeatable
                host = self.xp.asnumpy(target)
                idx = tuple(self.xp.asnumpy(i) if isinstance(i, self.xp.ndarray) else i
                            for i in (index if isinstance(index, tuple) else (index,)))
                np.add.at(host, idx if isinstance(index, tuple) else idx[0],
                          self.xp.asnumpy(values))
                target[...] = self.xp.asarray(host)
                return
            cupyx.scatter_add(target, index, values)
