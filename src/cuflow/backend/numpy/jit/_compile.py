"""One Python loop, two compiled versions: serial for small arrays (a parallel region costs
microseconds to start) and multi-threaded above ``PARALLEL_MIN`` elements.

The two are compiled from renamed copies of the loop: Numba's on-disk cache is keyed by the
function's qualified name, and one name for both would let a serial call load the parallel
machine code (or the reverse) from the cache.
"""

from __future__ import annotations

import os
import types

# Numba's OpenMP workers otherwise spin after each parallel region, on the cores OpenBLAS's
# threads need for the next GEMM (set before Numba loads its threading layer; a user's own
# setting wins).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402

PARALLEL_MIN = 1 << 16
prange = numba.prange


def _renamed(fn, suffix):
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + suffix,
                              fn.__defaults__, fn.__closure__)
    copy.__qualname__ = fn.__qualname__ + suffix
    copy.__module__ = fn.__module__
    return copy


def twins(fn):
    """``(serial, parallel)`` Numba compilations of ``fn`` (IEEE maths: no fast-math flags)."""
    return (numba.njit(cache=True, nogil=True)(_renamed(fn, "_serial")),
            numba.njit(cache=True, nogil=True, parallel=True)(_renamed(fn, "_parallel")))


def pick(pair, size):
    return pair[1] if size >= PARALLEL_MIN else pair[0]
