"""How the accelerator's loops are compiled: serial, IEEE (Numba's ``error_model="numpy"``: a
division by zero gives inf/NaN as NumPy's, instead of a Python exception check that also keeps
LLVM from vectorising the loop), no fast-math, cached on disk.

Serial on purpose: a second thread pool next to OpenBLAS's fights it for the cores. OpenBLAS's
idle threads keep spinning after each GEMM, so a multi-threaded loop right after one took three
times as long as alone (measured on 2 cores: max-pool backward 1.8 ms after a GEMM, 0.5 ms alone,
0.96 ms serial), and a training step's time swung from 23 to 36 ms between runs.
"""

from __future__ import annotations

import numba


def compiled(fn):
    try:
        return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
    except RuntimeError:  # no writable cache location (read-only install, no home): compile
        return numba.njit(nogil=True, error_model="numpy")(fn)  # in memory, every process
