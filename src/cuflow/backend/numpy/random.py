"""Counter-based uniform numbers (dropout masks), identical on the CPU and the GPU: the twin of
``kernels/random.cu`` (``kernels/cf_random.cuh``).

Sample ``i`` of a draw is ``hash(seed, counter + i)`` (splitmix64, ``kernels/cf_random.cuh``),
and the draw advances ``counter`` by its size. The state ``[seed, counter]`` is a small int64
array owned by the backend (``backend.rng_state``); on the GPU it lives on the device and both
the draw and the advance read it at run time, so a CUDA graph that captured a dropout layer
draws a fresh mask on every replay, and eager and captured runs produce the same masks.
"""

from __future__ import annotations

import os

import numpy as np

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SEED_KEY = np.uint64(0x5851F42D4C957F2D)
_DTYPES = ("float32", "float64", "float16")


def initial_state(seed=None) -> np.ndarray:
    """``[seed, 0]`` as int64; a fresh random seed when ``seed`` is None."""
    if seed is None:
        seed = int.from_bytes(os.urandom(8), "little") >> 1
    return np.array([int(seed) & ((1 << 63) - 1), 0], dtype=np.int64)


def _mix64(z):
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def counter_hash(seed, counters):
    """The 64-bit hash of each counter (uint64 arrays wrap silently, as in C)."""
    key = _mix64(np.asarray([seed], dtype=np.int64).view(np.uint64) ^ _SEED_KEY)
    return _mix64(key + np.asarray(counters, dtype=np.uint64) * _GOLDEN)


def _to_unit(h, dtype):
    if dtype == "float32":
        return ((h >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24))
    if dtype == "float64":
        return (h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return ((h >> np.uint64(53)).astype(np.float32) * np.float32(2.0 ** -11)).astype(np.float16)


def check_draw(shape, dtype, state, xp_name):
    dtype = str(np.dtype(dtype))
    if dtype not in _DTYPES:
        raise TypeError(f"random_uniform_counter supports {_DTYPES}; received dtype {dtype}")
    if tuple(state.shape) != (2,) or str(state.dtype) != "int64":
        raise ValueError(f"state_array must be a {xp_name} int64 array of shape (2,) "
                         f"[seed, counter]; received {state.dtype} {tuple(state.shape)}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must be non-negative; received {shape}")
    return shape, dtype


def uniform_numpy(shape, dtype, state):
    """The CPU draw (the reference)."""
    if not isinstance(state, np.ndarray):
        raise TypeError(f"state_array must be a numpy array on the CPU; received "
                        f"{type(state).__name__}")
    shape, dtype = check_draw(shape, dtype, state, "numpy")
    n = int(np.prod(shape, dtype=np.int64))
    start = state[1:2].view(np.uint64)[0]
    counters = start + np.arange(n, dtype=np.uint64)
    out = _to_unit(counter_hash(state[0], counters), dtype).reshape(shape)
    state[1:2] = (state[1:2].view(np.uint64) + np.uint64(n)).view(np.int64)
    return out
