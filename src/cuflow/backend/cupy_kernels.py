"""GPU implementations of the kernel-level primitives: same public names and signatures as
``numpy_kernels`` (the reference semantics, documented there), on CuPy arrays, launching the
CUDA kernels of ``kernels/*.cu`` through ``backend/kernels.py``.

Every argument is validated here, in Python, before any launch (dtype, shape, label range): a
bad index inside a kernel is a sticky CUDA error that ends the process, a Python exception is
not. Inputs are made C-contiguous first (strided views are copied once). The label-range check
of sparse losses costs one device-to-host read; during CUDA-graph capture (where a host read is
illegal) it is skipped and the kernel itself turns an out-of-range label into a NaN loss row
instead of reading out of bounds.

CuPy is imported lazily so this module imports on machines without a GPU.
"""

from __future__ import annotations

import math

import numpy as np

from . import numpy_kernels as _nk
from .kernels import (
    LABEL_CTYPES,
    dtype_ctype,
    get_kernel,
    grid_for_elements,
    grid_for_rows,
    sm_count,
)

__all__ = list(_nk.__all__)

ACTIVATIONS = _nk.ACTIVATIONS
LOSSES = _nk.LOSSES

_THREADS = 256
_VEC4_MIN = 1 << 14  # below this the float4 path saves nothing measurable
_SERIAL_MAX_COLS = 16  # rows up to this long run one thread per row


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
    _nk.check_float(x, what)
    return cp.ascontiguousarray(x)


def _aligned16(*arrays):
    return all(a.data.ptr % 16 == 0 for a in arrays)


def _launch_1d(kernel, n, args, threads=_THREADS):
    kernel((grid_for_elements(n, threads),), (threads,), args)


# ---- activations ----------------------------------------------------------------------------

def _elementwise(base, inputs, out, alpha):
    """Run cf_<base><T> over all elements; float32 takes the float4 path for the aligned bulk."""
    n = out.size
    if n == 0:
        return out
    ct = dtype_ctype(out.dtype)
    flat_in = [a.reshape(-1) for a in inputs]
    flat_out = out.reshape(-1)
    start = 0
    if ct == "float" and n >= _VEC4_MIN and _aligned16(*flat_in, flat_out):
        n4 = n // 4
        kern = get_kernel("activations.cu", f"{base}_vec4<float>")
        _launch_1d(kern, n4, (*flat_in, flat_out, _i64(n4), alpha))
        start = 4 * n4
    if start < n:
        kern = get_kernel("activations.cu", f"{base}<{ct}>")
        tail_in = [a[start:] for a in flat_in]
        _launch_1d(kern, n - start, (*tail_in, flat_out[start:], _i64(n - start), alpha))
    return out


def activation_forward(name, x, alpha=None):
    _nk.check_name(name, ACTIVATIONS, "activation")
    x = _float_input(x)
    y = _cupy().empty_like(x)
    return _elementwise(f"cf_{name}_fwd", [x], y, _f64(_nk._alpha(name, alpha)))


def activation_backward(name, x, y, dy, alpha=None):
    _nk.check_name(name, ACTIVATIONS, "activation")
    if name in _nk.Y_BACKWARD:
        if y is None:
            if x is None:
                raise ValueError(f"activation_backward({name!r}) needs x or y")
            y = activation_forward(name, x, alpha)
        y = _float_input(y, "y")
        x = y if x is None else _float_input(x)
    else:
        if x is None:
            raise ValueError(f"activation_backward({name!r}) needs x (the forward input)")
        x = _float_input(x)
        y = x if y is None else _float_input(y, "y")
    dy = _float_input(dy, "dy")
    _nk.check_same_shape(x, dy, "x", "dy")
    _nk.check_same_shape(x, y, "x", "y")
    if not (x.dtype == y.dtype == dy.dtype):
        raise TypeError(f"x, y and dy must share a dtype, received {x.dtype}, {y.dtype}, "
                        f"{dy.dtype}")
    dx = _cupy().empty_like(x)
    return _elementwise(f"cf_{name}_bwd", [x, y, dy], dx, _f64(_nk._alpha(name, alpha)))


# ---- row (last-axis) launches ---------------------------------------------------------------

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
    kern((grid,), (block,), args)


def _rows_input(x, what="x", allow_empty_rows=False):
    x = _float_input(x, what)
    if x.ndim < 1:
        raise ValueError(f"{what} needs at least one axis, received a 0-d array")
    if not allow_empty_rows and x.shape[-1] == 0 and math.prod(x.shape[:-1]) > 0:
        raise ValueError(f"{what} has an empty last axis (shape {x.shape}); the reduction over "
                         "it is undefined")
    return x


def _rows_map(name, x):
    x = _rows_input(x, allow_empty_rows=True)
    y = _cupy().empty_like(x)
    if x.size:
        n = x.shape[-1]
        rows = x.size // n
        _launch_rows("rows.cu", name, (dtype_ctype(x.dtype),), rows, n, (x, y, _i64(rows), _i64(n)))
    return y


def _rows_bwd(name, y, dy):
    y = _rows_input(y, "y", allow_empty_rows=True)
    dy = _float_input(dy, "dy")
    _nk.check_same_shape(y, dy, "y", "dy")
    if dy.dtype != y.dtype:
        raise TypeError(f"y and dy must share a dtype, received {y.dtype} and {dy.dtype}")
    dx = _cupy().empty_like(y)
    if y.size:
        n = y.shape[-1]
        rows = y.size // n
        _launch_rows("rows.cu", name, (dtype_ctype(y.dtype),), rows, n,
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
        _launch_rows("rows.cu", name, (dtype_ctype(x.dtype),), rows, n,
                     (x, out, _i64(rows), _i64(n)))
    return out


def logsumexp(x):
    return _rows_reduce("cf_logsumexp_fwd", x)


def row_max(x):
    return _rows_reduce("cf_row_max_fwd", x)


def row_argmax(x):
    return _rows_reduce("cf_row_argmax_fwd", x, np.int64)


# ---- losses ---------------------------------------------------------------------------------

_flags: dict[int, object] = {}


def _zero_flag():
    cp = _cupy()
    dev = cp.cuda.Device().id
    if dev not in _flags:
        _flags[dev] = cp.zeros((), dtype=cp.int32)
    return _flags[dev]


def _capturing():
    try:
        return bool(_cupy().cuda.get_current_stream().is_capturing())
    except Exception:  # older CuPy / no capture support: never capturing
        return False


def _labels_input(y_true, y_pred):
    """Validated, contiguous int32/int64 labels of shape y_pred.shape[:-1]."""
    cp = _cupy()
    labels = cp.asarray(y_true)
    _nk.check_integer_labels(labels)
    shape = _nk.sparse_label_shape(labels, y_pred)
    labels = cp.ascontiguousarray(labels.reshape(shape))
    if str(labels.dtype) not in LABEL_CTYPES:
        labels = labels.astype(cp.int64)
    n = y_pred.shape[-1]
    if labels.size and not _capturing():
        lo, hi = (int(v) for v in cp.stack((labels.min(), labels.max())).get())
        if lo < 0 or hi >= n:
            raise _nk.bad_label_error(lo if lo < 0 else hi, n)
    return labels


def loss_forward_backward(name, y_true, y_pred, from_logits=False, label_smoothing=0.0,
                          delta=1.0, need_grad=True):
    _nk.check_name(name, LOSSES, "loss")  # before touching the device
    cp = _cupy()
    y_pred = _float_input(y_pred, "y_pred")
    y_true = cp.asarray(y_true)
    kernel, ls_a, ls_b = _nk._check_loss_inputs(name, y_true, y_pred, from_logits,
                                                label_smoothing)
    out_shape = y_pred.shape[:-1]
    n = y_pred.shape[-1]
    ct = dtype_ctype(y_pred.dtype)
    if name == "sparse_categorical_crossentropy":
        labels = _labels_input(y_true, y_pred)
    else:
        t = cp.ascontiguousarray(y_true.astype(y_pred.dtype, copy=False))
    per = cp.empty(out_shape, dtype=y_pred.dtype)
    grad = cp.empty_like(y_pred) if need_grad else None
    if y_pred.size == 0:
        per[...] = 0
        if grad is not None:
            grad[...] = 0
        return per, grad
    rows = y_pred.size // n
    g_arg = grad if need_grad else per  # any valid pointer; never written when write_grad == 0
    wg = np.int32(1 if need_grad else 0)
    dims = (_i64(rows), _i64(n))
    if kernel in _nk.ELEMENTWISE_LOSSES or kernel == "binary_crossentropy_logits":
        if name in ("hinge", "squared_hinge"):
            flag = ((t == 0) | (t == 1)).all().astype(cp.int32)  # stays on the device
        else:
            flag = _zero_flag()
        args = (t, y_pred, per, g_arg, *dims, _f64(delta), _f64(ls_a), _f64(ls_b), wg, flag)
        _launch_rows("losses.cu", f"cf_{kernel}_fwd", (ct,), rows, n, args)
    elif kernel.startswith("categorical_crossentropy"):
        args = (t, y_pred, per, g_arg, *dims, _f64(ls_a), _f64(ls_b), wg)
        _launch_rows("losses.cu", f"cf_{kernel}_fwd", (ct,), rows, n, args)
    elif kernel.startswith("sparse_"):
        lt = LABEL_CTYPES[str(labels.dtype)]
        args = (labels, y_pred, per, g_arg, *dims, wg)
        _launch_rows("losses.cu", f"cf_{kernel}_fwd", (ct, lt), rows, n, args)
    else:  # categorical_hinge, cosine_similarity
        args = (t, y_pred, per, g_arg, *dims, wg)
        _launch_rows("losses.cu", f"cf_{kernel}_fwd", (ct,), rows, n, args)
    return per, grad


def sparse_softmax_cross_entropy(logits, labels, need_grad=True):
    return loss_forward_backward("sparse_categorical_crossentropy", labels, logits,
                                 from_logits=True, need_grad=need_grad)


# ---- reductions ---------------------------------------------------------------------------

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
    get_kernel("reductions.cu", f"cf_sum_batch_fwd<{ct}>")(
        (col_blocks, chunks), (32, 8), (x, partial, _i64(b), _i64(m), _i64(rows_per_chunk)))
    _launch_1d(get_kernel("reductions.cu", f"cf_sum_batch_finish<{ct}>"), m,
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
            kern = get_kernel("reductions.cu", f"cf_sumsq_partial<{dtype_ctype(a.dtype)}>")
            kern((nb,), (_THREADS,), (a, _i64(a.size), partial[off:]))
            off += nb
    out = cp.empty((), dtype=out_dtype)
    kern = get_kernel("reductions.cu", f"cf_global_l2_norm_fwd<{dtype_ctype(out.dtype)}>")
    kern((1,), (1024,), (partial, _i64(off), out))
    return out


def accuracy_count(y_true, y_pred, kind, threshold=0.5):
    cp = _cupy()
    _nk.check_name(kind, _nk.ACCURACY_KINDS, "accuracy kind")
    y_pred = _float_input(y_pred, "y_pred")
    y_true = cp.asarray(y_true)
    ct = dtype_ctype(y_pred.dtype)
    count = cp.zeros((), dtype=cp.int64)  # the kernels add with unsigned 64-bit atomics
    if kind == "binary":
        _nk.check_same_shape(y_true, y_pred)
        if y_pred.size:
            t = cp.ascontiguousarray(y_true.astype(y_pred.dtype, copy=False))
            _launch_1d(get_kernel("reductions.cu", f"cf_binary_accuracy_fwd<{ct}>"),
                       y_pred.size, (y_pred, t, count, _i64(y_pred.size), _f64(threshold)))
        return count
    y_pred = _rows_input(y_pred, "y_pred")
    if kind == "sparse":
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"y_true must be numeric, received dtype {y_true.dtype}")
        want = _nk.sparse_label_shape(y_true, y_pred)
        labels = y_true.reshape(want)
        if str(labels.dtype) not in LABEL_CTYPES:
            # Float/bool/small-int labels are compared by value (Keras): generic expression.
            if y_pred.size == 0:
                return count
            return cp.count_nonzero(row_argmax(y_pred) == labels).astype(cp.int64)
        labels = cp.ascontiguousarray(labels)
        kind_id, t, lt = 0, y_pred, LABEL_CTYPES[str(labels.dtype)]
    else:
        _nk.check_same_shape(y_true, y_pred)
        t = cp.ascontiguousarray(y_true.astype(y_pred.dtype, copy=False))
        labels, kind_id, lt = count, 1, "long long"  # labels unused for kind 1
    if y_pred.size == 0:
        return count
    n = y_pred.shape[-1]
    rows = y_pred.size // n
    _launch_rows("reductions.cu", "cf_accuracy_fwd", (ct, lt), rows, n,
                 (y_pred, t, labels, count, _i64(rows), _i64(n), np.int32(kind_id)))
    return count


# ---- Dense epilogue: bias add + activation ---------------------------------------------------

_EPILOGUE_SINGLE_CHUNK = 1 << 16  # up to this many elements one block column walks every row


def _batch_chunks(rows, n):
    """(column blocks, row chunks, rows per chunk) for the (32, 8)-block column kernels: enough
    chunks to fill the device, one chunk when the problem is small enough that a second launch
    would cost more than it saves."""
    col_blocks = -(-n // 32)
    if rows * n <= _EPILOGUE_SINGLE_CHUNK:
        return col_blocks, 1, max(rows, 1)
    target = sm_count(_cupy().cuda.Device().id) * 8
    chunks = max(1, min(-(-rows // 8), -(-target // col_blocks), 65535))
    per_chunk = -(-rows // chunks)
    return col_blocks, -(-rows // per_chunk), per_chunk


def bias_activation_forward(name, z, bias, alpha=None):
    cp = _cupy()
    _nk.check_name(name, ACTIVATIONS, "activation")
    z, bias = cp.asarray(z), cp.asarray(bias)
    _nk._epilogue_inputs(z, bias)  # the twin's shape and dtype checks
    z, bias = cp.ascontiguousarray(z), cp.ascontiguousarray(bias)
    keep_pre = name not in _nk.Y_ONLY_BACKWARD
    y = cp.empty_like(z) if keep_pre else z  # written over the GEMM output when pre is not kept
    pre = z if keep_pre else None  # pre is written in place of z
    rows, n = z.shape
    if z.size == 0:
        return pre, y
    ct = dtype_ctype(z.dtype)
    a = _f64(_nk._alpha(name, alpha))
    pre_arg = pre if keep_pre else None  # CuPy passes None as a null pointer: no pre store
    if ct == "float" and n % 4 == 0 and _aligned16(z, bias, y):
        kern = get_kernel("bias_act.cu", f"cf_bias_{name}_fwd_vec4<float>")
        _launch_1d(kern, rows * (n // 4), (z, bias, pre_arg, y, _i64(rows), _i64(n // 4), a))
    else:
        kern = get_kernel("bias_act.cu", f"cf_bias_{name}_fwd<{ct}>")
        _launch_1d(kern, rows * n, (z, bias, pre_arg, y, _i64(rows), _i64(n), a))
    return pre, y


def bias_activation_backward(name, x, y, dy, alpha=None, need_bias=True):
    cp = _cupy()
    _nk.check_name(name, ACTIVATIONS, "activation")
    if x is None and name not in _nk.Y_ONLY_BACKWARD:
        raise ValueError(f"bias_activation_backward({name!r}) needs x (the pre-activation)")
    y = _float_input(y, "y")
    x = y if x is None else _float_input(x)
    dy = _float_input(dy, "dy")
    if x.ndim != 2:
        raise ValueError(f"bias_activation_backward: x and y must be 2-D (rows, units), received "
                         f"shape {x.shape}")
    _nk.check_same_shape(x, dy, "x", "dy")
    _nk.check_same_shape(x, y, "x", "y")
    if not (x.dtype == y.dtype == dy.dtype):
        raise TypeError(f"x, y and dy must share a dtype, received {x.dtype}, {y.dtype}, "
                        f"{dy.dtype}")
    rows, n = x.shape
    dz = cp.empty_like(x)
    db = cp.empty((n,), dtype=x.dtype) if need_bias else None
    if n == 0:
        return dz, db
    if rows == 0:
        if need_bias:
            db[...] = 0
        return dz, db
    ct = dtype_ctype(x.dtype)
    col_blocks, chunks, per_chunk = _batch_chunks(rows, n)
    # None is a null pointer for CuPy: one chunk writes db itself, several write partials
    partial = cp.empty(chunks * n, dtype=cp.float64) if need_bias and chunks > 1 else None
    kern = get_kernel("bias_act.cu", f"cf_bias_{name}_bwd<{ct}>")
    kern((col_blocks, chunks), (32, 8),
         (x, y, dy, dz, partial, db if need_bias and chunks == 1 else None, _i64(rows),
          _i64(n), _i64(per_chunk), _f64(_nk._alpha(name, alpha))))
    if partial is not None:
        _launch_1d(get_kernel("reductions.cu", f"cf_sum_batch_finish<{ct}>"), n,
                   (partial, db, _i64(chunks), _i64(n)))
    return dz, db


# ---- convolution windows -------------------------------------------------------------------

def _geometry_2d(x_shape, ks, strides, dils, pads, outs):
    """The 14 int64 launch arguments of the 2-D window kernels (1-D as height 1)."""
    if len(ks) == 1:
        x_shape = (x_shape[0], 1) + tuple(x_shape[1:])
        ks, strides, dils = (1,) + ks, (1,) + strides, (1,) + dils
        pads, outs = ((0, 0),) + pads, (1,) + outs
    b, h, w, c = x_shape
    return tuple(_i64(v) for v in (b, h, w, c, ks[0], ks[1], strides[0], strides[1], dils[0],
                                   dils[1], pads[0][0], pads[1][0], outs[0], outs[1]))


def im2col(x, ks, strides, dils, pads, outs):
    cp = _cupy()
    x = _float_input(x)
    ks, strides, dils, pads, outs = _nk.window_geometry(x.shape, ks, strides, dils, pads, outs)
    if len(ks) > 2:  # 3-D: the array-generic reference (pad + strided view + one copy)
        from .conv_windows import im2col as reference

        return reference(cp, x, ks, strides, dils, pads, outs)
    cols = cp.empty((x.shape[0] * math.prod(outs), math.prod(ks) * x.shape[-1]), dtype=x.dtype)
    if cols.size:
        kern = get_kernel("im2col.cu", f"cf_im2col_2d<{dtype_ctype(x.dtype)}>")
        _launch_1d(kern, cols.size, (x, cols) + _geometry_2d(x.shape, ks, strides, dils, pads,
                                                              outs))
    return cols


def col2im(cols, x_shape, ks, strides, dils, pads, outs):
    cp = _cupy()
    cols = _float_input(cols, "cols")
    x_shape = tuple(int(v) for v in x_shape)
    ks, strides, dils, pads, outs = _nk.window_geometry(x_shape, ks, strides, dils, pads, outs)
    want = (math.prod(ks), x_shape[0] * math.prod(outs), x_shape[-1])
    if cols.shape != want:
        raise ValueError(f"col2im: cols must have shape {want} for input {x_shape} and kernel "
                         f"{ks}; received {cols.shape}")
    if len(ks) > 2:
        from .conv_windows import col2im as reference

        return reference(cp, cols, x_shape, ks, strides, dils, pads, outs)
    dx = cp.empty(x_shape, dtype=cols.dtype)
    if dx.size:
        kern = get_kernel("im2col.cu", f"cf_col2im_2d<{dtype_ctype(cols.dtype)}>")
        _launch_1d(kern, dx.size, (cols, dx) + _geometry_2d(x_shape, ks, strides, dils, pads,
                                                             outs))
    return dx


def _pool_geometry_2d(x_shape, ks, strides, pads, outs):
    """The 12 int64 launch arguments of the 2-D pooling kernels (1-D as height 1)."""
    g = _geometry_2d(x_shape, ks, strides, (1,) * len(ks), pads, outs)
    return g[:8] + g[10:]  # no dilations


def max_pool_forward(x, ks, strides, pads, outs):
    cp = _cupy()
    x = _float_input(x)
    ks, strides, pads, outs = _nk._pool_geometry(x.shape, ks, strides, pads, outs)
    if len(ks) > 2:
        from .conv_windows import max_pool

        return max_pool(cp, x, ks, strides, pads, outs)
    y = cp.empty((x.shape[0],) + outs + (x.shape[-1],), dtype=x.dtype)
    if y.size:
        kern = get_kernel("pool.cu", f"cf_max_pool_2d_fwd<{dtype_ctype(x.dtype)}>")
        _launch_1d(kern, y.size, (x, y) + _pool_geometry_2d(x.shape, ks, strides, pads, outs))
    return y


def max_pool_backward(g, x, y, ks, strides, pads, outs):
    cp = _cupy()
    x = _float_input(x)
    g, y = _float_input(g, "g"), _float_input(y, "y")
    ks, strides, pads, outs = _nk._pool_geometry(x.shape, ks, strides, pads, outs)
    want = (x.shape[0],) + outs + (x.shape[-1],)
    for name, a in (("g", g), ("y", y)):
        if a.shape != want or a.dtype != x.dtype:
            raise ValueError(f"max_pool_backward: {name} must be {x.dtype} of shape {want}; "
                             f"received {a.dtype} of shape {a.shape}")
    if len(ks) > 2:
        from .conv_windows import max_pool_backward as reference

        return reference(cp, g, x, y, ks, strides, pads, outs)
    dx = cp.empty_like(x)
    if dx.size:
        kern = get_kernel("pool.cu", f"cf_max_pool_2d_bwd<{dtype_ctype(x.dtype)}>")
        _launch_1d(kern, dx.size, (g, x, y, dx) + _pool_geometry_2d(x.shape, ks, strides, pads,
                                                                     outs))
    return dx
