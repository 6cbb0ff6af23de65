"""Last-axis functions on the GPU (``kernels/rows.cu``): softmax, log_softmax and their gradients,
logsumexp, row max and argmax; one thread per short row, one block per long row. Semantics:
``backend/numpy/rows.py``."""

from __future__ import annotations

import numpy as np

from ..numpy.common import check_same_shape
from .common import _cupy, _float_input, _i64, _launch_rows, _rows_input
from .compile import REDUCERS, dtype_ctype, float_types

SOURCE = "rows.cu"
ROW_KERNELS = (
    "softmax_fwd", "softmax_bwd", "log_softmax_fwd", "log_softmax_bwd", "logsumexp_fwd",
    "row_max_fwd", "row_argmax_fwd",
)
NAME_EXPRESSIONS = tuple(f"cf_{k}<{ct}, {r}>" for k in ROW_KERNELS for ct in float_types()
                         for r in REDUCERS)


def _rows_map(name, x):
    x = _rows_input(x, allow_empty_rows=True)
    y = _cupy().empty_like(x)
    if x.size:
        n = x.shape[-1]
        rows = x.size // n
        _launch_rows(SOURCE, name, (dtype_ctype(x.dtype),), rows, n, (x, y, _i64(rows), _i64(n)))
    return y


def _rows_bwd(name, y, dy):
    y = _rows_input(y, "y", allow_empty_rows=True)
    dy = _float_input(dy, "dy")
    check_same_shape(y, dy, "y", "dy")
    if dy.dtype != y.dtype:
        raise TypeError(f"y and dy must share a dtype, received {y.dtype} and {dy.dtype}")
    dx = _cupy().empty_like(y)
    if y.size:
        n = y.shape[-1]
        rows = y.size // n
        _launch_rows(SOURCE, name, (dtype_ctype(y.dtype),), rows, n,
                     (y, dy, dx, _i64(rows), _i64(n)))
    return dx


def softmax_forward(x):
    return _rows_map("cf_softmax_fwd", x)


def softmax_backward(y, dy):
    return _rows_bwd("cf_softmax_bwd", y, dy)


def log_softmax_forward(x):
    return _rows_map("cf_log_softmax_fwd", x)


def log_softmax_backward(y, dy):
    return _rows_bwd("cf_log_softmax_bwd", y, dy)


def _rows_reduce(name, x, out_dtype=None):
    cp = _cupy()
    x = _rows_input(x)
    out = cp.empty(x.shape[:-1], dtype=out_dtype or x.dtype)
    if x.size:
        n = x.shape[-1]
        rows = x.size // n
        _launch_rows(SOURCE, name, (dtype_ctype(x.dtype),), rows, n,
                     (x, out, _i64(rows), _i64(n)))
    return out


def logsumexp(x):
    return _rows_reduce("cf_logsumexp_fwd", x)


def row_max(x):
    return _rows_reduce("cf_row_max_fwd", x)


def row_argmax(x):
    return _rows_reduce("cf_row_argmax_fwd", x, np.int64)

