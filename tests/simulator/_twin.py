"""Inputs and comparisons of the simulator's twin tests: host-backed device arrays (aligned, or
misaligned by one element: the scalar path of a float4 kernel), and the GPU tests' comparison
with the NumPy twins (NaN and +-inf in identical places, values to the dtype's tolerance)."""

from __future__ import annotations

import numpy as np

from ..backend.cuda import _fake_device as fd
from ..backend.cuda._gpu import DTYPES, assert_twin, values

__all__ = ["DTYPES", "ELEM_SIZES", "ROW_WIDTHS", "assert_twin", "both", "get", "put",
           "row_values", "values"]

# With the simulator's SM count of 1, an elementwise launch has at most 8 blocks of 256 threads
# (2048 threads): sizes around a warp, a block, the whole grid (grid-stride loop) and beyond.
ELEM_SIZES = [0, 1, 31, 33, 255, 257, 2047, 2049, 4099]
# Row widths: one thread per row (<= 16), then blocks of 32 .. 1024 threads (width > 4 * block).
ROW_WIDTHS = [1, 16, 17, 33, 129, 257, 1000, 4097]


def put(a, misaligned=False, dtype=None):
    """A host-backed CuPy array holding ``a``; ``misaligned`` starts it one element past a
    16-byte boundary (still aligned to its own element)."""
    a = np.asarray(a, dtype=dtype)
    return fd.device_array(a, offset_bytes=a.dtype.itemsize if misaligned else 0)


def get(a):
    return None if a is None else fd.read(a)


def both(a):
    """The aligned and the misaligned copy of ``a``."""
    return [put(a), put(a, misaligned=True)]


def row_values(rows, n, dtype, seed):
    """Random rows with NaN, +-inf, huge and all -inf rows mixed in."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, n)) * 3
    if rows >= 5 and n >= 3:
        x[0, :3] = [-np.inf, 1e4, -1e4]
        x[1, n // 2] = np.nan
        x[2, :] = -np.inf
        x[3, n - 1] = np.inf
        x[4, :2] = [3e38, -3e38]
    with np.errstate(over="ignore"):
        return x.astype(dtype)
