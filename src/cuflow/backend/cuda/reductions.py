"""Reductions on the GPU (``kernels/reductions.cu``): the batch sum of bias gradients, the global
L2 norm of many arrays, accuracy counts; deterministic (fixed-order float64 partials, no float
atomics), results stay on the device. Semantics: ``backend/numpy/reductions.py``."""

from __future__ import annotations

import numpy as np

from ..numpy.common import check_name, check_same_shape, sparse_label_shape
from ..numpy.reductions import ACCURACY_KINDS
from .common import _THREADS, _cupy, _f64, _float_input, _i64, _launch_1d, _launch_rows, _rows_input
from .compile import (
    LABEL_CTYPES,
    REDUCERS,
    dtype_ctype,
    float_types,
    get_kernel,
    grid_for_elements,
    sm_count,
)
from .rows import row_argmax

SOURCE = "reductions.cu"
NAME_EXPRESSIONS = tuple(
    [f"cf_{k}<{ct}>" for ct in float_types()
     for k in ("sum_batch_fwd", "sum_batch_finish", "sumsq_partial", "binary_accuracy_fwd")]
    # the norm is float32 or float64 (float64 if any input is), never float16
    + [f"cf_global_l2_norm_fwd<{ct}>" for ct in float_types(half=False)]
    + [f"cf_accuracy_fwd<{ct}, {lt}, {r}>" for ct in float_types()
       for lt in LABEL_CTYPES.values() for r in REDUCERS])


def sum_batch(x):
    cp = _cupy()
    x = _float_input(x)
    if x.ndim < 1:
        raise ValueError("sum_batch needs at least one axis, received a 0-d array")
    out = cp.empty(x.shape[1:], dtype=x.dtype)
    b, m = x.shape[0], out.size
    if m == 0:
        return out
    if b == 0:
        out[...] = 0
        return out
    ct = dtype_ctype(x.dtype)
    col_blocks = -(-m // 32)
    target = sm_count(cp.cuda.Device().id) * 8
    chunks = max(1, min(-(-b // 8), -(-target // col_blocks), 65535))
    rows_per_chunk = -(-b // chunks)
    chunks = -(-b // rows_per_chunk)
    partial = cp.empty(chunks * m, dtype=cp.float64)
    get_kernel(SOURCE, f"cf_sum_batch_fwd<{ct}>")(
        (col_blocks, chunks), (32, 8), (x, partial, _i64(b), _i64(m), _i64(rows_per_chunk)))
    _launch_1d(get_kernel(SOURCE, f"cf_sum_batch_finish<{ct}>"), m,
               (partial, out.reshape(-1), _i64(chunks), _i64(m)))
    return out


def global_l2_norm(arrays):
    cp = _cupy()
    arrays = [_float_input(a, "arrays[i]") for a in arrays]
    out_dtype = cp.float64 if any(a.dtype == cp.float64 for a in arrays) else cp.float32
    blocks = [grid_for_elements(a.size, _THREADS, 4) if a.size else 0 for a in arrays]
    partial = cp.empty(max(1, sum(blocks)), dtype=cp.float64)
    off = 0
    for a, nb in zip(arrays, blocks):
        if nb:
            kern = get_kernel(SOURCE, f"cf_sumsq_partial<{dtype_ctype(a.dtype)}>")
            kern((nb,), (_THREADS,), (a, _i64(a.size), partial[off:]))
            off += nb
    out = cp.empty((), dtype=out_dtype)
    kern = get_kernel(SOURCE, f"cf_global_l2_norm_fwd<{dtype_ctype(out.dtype)}>")
    kern((1,), (1024,), (partial, _i64(off), out))
    return out


def accuracy_count(y_true, y_pred, kind, threshold=0.5):
    cp = _cupy()
    check_name(kind, ACCURACY_KINDS, "accuracy kind")
    y_pred = _float_input(y_pred, "y_pred")
    y_true = cp.asarray(y_true)
    ct = dtype_ctype(y_pred.dtype)
    count = cp.zeros((), dtype=cp.int64)  # the kernels add with unsigned 64-bit atomics
    if kind == "binary":
        check_same_shape(y_true, y_pred)
        if y_pred.size:
            t = cp.ascontiguousarray(y_true.astype(y_pred.dtype, copy=False))
            _launch_1d(get_kernel(SOURCE, f"cf_binary_accuracy_fwd<{ct}>"),
                       y_pred.size, (y_pred, t, count, _i64(y_pred.size), _f64(threshold)))
        return count
    y_pred = _rows_input(y_pred, "y_pred")
    if kind == "sparse":
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"y_true must be numeric, received dtype {y_true.dtype}")
        want = sparse_label_shape(y_true, y_pred)
        labels = y_true.reshape(want)
        if str(labels.dtype) not in LABEL_CTYPES:
            # Float/bool/small-int labels are compared by value (Keras): generic expression.
            if y_pred.size == 0:
                return count
            return cp.count_nonzero(row_argmax(y_pred) == labels).astype(cp.int64)
        labels = cp.ascontiguousarray(labels)
        kind_id, t, lt = 0, y_pred, LABEL_CTYPES[str(labels.dtype)]
    else:
        check_same_shape(y_true, y_pred)
        t = cp.ascontiguousarray(y_true.astype(y_pred.dtype, copy=False))
        labels, kind_id, lt = count, 1, "long long"  # labels unused for kind 1
    if y_pred.size == 0:
        return count
    n = y_pred.shape[-1]
    rows = y_pred.size // n
    _launch_rows(SOURCE, "cf_accuracy_fwd", (ct, lt), rows, n,
                 (y_pred, t, labels, count, _i64(rows), _i64(n), np.int32(kind_id)))
    return count

