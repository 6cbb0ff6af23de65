"""What the CUDA families share: CuPy imported lazily, input checks that make arrays contiguous,
the grid-stride and row launch shapes, and whether a CUDA graph is being captured.

Every argument is validated in Python before any launch (dtype, shape, label range): a bad index
inside a kernel is a sticky CUDA error that ends the process, a Python exception is not. Inputs
are made C-contiguous first (strided views are copied once).
"""

from __future__ import annotations

import math

import numpy as np

from ..numpy.common import check_float
from .compile import get_kernel, grid_for_elements, grid_for_rows

_THREADS = 256
_SERIAL_MAX_COLS = 16  # rows up to this long run one thread per row

# A null pointer argument: 8 zero bytes. Never pass None: CuPy 13 turns None into a NULL
# kernelParams entry (CuPy issue 9046, fixed in 14.0), so the kernel reads its pointer from
# address 0 and writes through garbage. Every launch below maps None to this.
NULL = np.uint64(0)


def _pointer_args(args):
    return tuple(NULL if a is None else a for a in args)


def _cupy():
    import cupy

    return cupy


def _i64(v):
    return np.int64(v)


def _f64(v):
    return np.float64(v)


def _float_input(x, what="x"):
    cp = _cupy()
    x = cp.asarray(x)
    check_float(x, what)
    return cp.ascontiguousarray(x)


def _aligned16(*arrays):
    return all(a.data.ptr % 16 == 0 for a in arrays)


def _launch_1d(kernel, n, args, threads=_THREADS):
    kernel((grid_for_elements(n, threads),), (threads,), _pointer_args(args))


def _capturing():
    try:
        return bool(_cupy().cuda.get_current_stream().is_capturing())
    except Exception:  # older CuPy / no capture support: never capturing
        return False


def _row_launch_shape(rows, n):
    """(reducer, grid, block) for a (rows, n) problem."""
    if n <= _SERIAL_MAX_COLS:
        threads = 128
        return "cf_thread_r", grid_for_elements(rows, threads), threads
    threads = 32
    while threads < 1024 and threads * 4 < n:
        threads *= 2
    return "cf_block_r", grid_for_rows(rows, threads), threads


def _launch_rows(source, name, type_args, rows, n, args):
    reducer, grid, block = _row_launch_shape(rows, n)
    kern = get_kernel(source, f"{name}<{', '.join((*type_args, reducer))}>")
    kern((grid,), (block,), _pointer_args(args))


def _rows_input(x, what="x", allow_empty_rows=False):
    x = _float_input(x, what)
    if x.ndim < 1:
        raise ValueError(f"{what} needs at least one axis, received a 0-d array")
    if not allow_empty_rows and x.shape[-1] == 0 and math.prod(x.shape[:-1]) > 0:
        raise ValueError(f"{what} has an empty last axis (shape {x.shape}); the reduction over "
                         "it is undefined")
    return x

