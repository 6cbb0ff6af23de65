"""Activations on the GPU (``kernels/activations.cu``): elementwise forward and backward, with a
float4 path for aligned float32 bulk, and the Dense epilogue (bias add + activation, activation
gradient + bias gradient) in one launch each way. Semantics: ``backend/numpy/activations.py``."""

from __future__ import annotations

from ..names import ACTIVATIONS
from ..numpy.activations import Y_BACKWARD, Y_ONLY_BACKWARD, _alpha, _epilogue_inputs
from ..numpy.common import check_name, check_same_shape
from .common import _aligned16, _cupy, _f64, _float_input, _i64, _launch_1d, _pointer_args
from .compile import dtype_ctype, float_types, get_kernel, sm_count

SOURCE = "activations.cu"
NAME_EXPRESSIONS = tuple(
    [f"cf_{act}_{d}<{ct}>" for act in ACTIVATIONS for ct in float_types() for d in ("fwd", "bwd")]
    + [f"cf_{act}_{d}_vec4<float>" for act in ACTIVATIONS for d in ("fwd", "bwd")]
    + [f"cf_bias_{act}_{d}<{ct}>" for act in ACTIVATIONS for ct in float_types()
       for d in ("fwd", "bwd")]
    + [f"cf_bias_{act}_fwd_vec4<float>" for act in ACTIVATIONS])

_VEC4_MIN = 1 << 14  # below this the float4 path saves nothing measurable


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
        kern = get_kernel(SOURCE, f"{base}_vec4<float>")
        _launch_1d(kern, n4, (*flat_in, flat_out, _i64(n4), alpha))
        start = 4 * n4
    if start < n:
        kern = get_kernel(SOURCE, f"{base}<{ct}>")
        tail_in = [a[start:] for a in flat_in]
        _launch_1d(kern, n - start, (*tail_in, flat_out[start:], _i64(n - start), alpha))
    return out


def activation_forward(name, x, alpha=None):
    check_name(name, ACTIVATIONS, "activation")
    x = _float_input(x)
    y = _cupy().empty_like(x)
    return _elementwise(f"cf_{name}_fwd", [x], y, _f64(_alpha(name, alpha)))


def activation_backward(name, x, y, dy, alpha=None):
    check_name(name, ACTIVATIONS, "activation")
    if name in Y_BACKWARD:
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
    check_same_shape(x, dy, "x", "dy")
    check_same_shape(x, y, "x", "y")
    if not (x.dtype == y.dtype == dy.dtype):
        raise TypeError(f"x, y and dy must share a dtype, received {x.dtype}, {y.dtype}, "
                        f"{dy.dtype}")
    dx = _cupy().empty_like(x)
    return _elementwise(f"cf_{name}_bwd", [x, y, dy], dx, _f64(_alpha(name, alpha)))


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
    check_name(name, ACTIVATIONS, "activation")
    z, bias = cp.asarray(z), cp.asarray(bias)
    _epilogue_inputs(z, bias)  # the twin's shape and dtype checks
    z, bias = cp.ascontiguousarray(z), cp.ascontiguousarray(bias)
    keep_pre = name not in Y_ONLY_BACKWARD
    y = cp.empty_like(z) if keep_pre else z  # written over the GEMM output when pre is not kept
    pre = z if keep_pre else None  # pre is written in place of z
    rows, n = z.shape
    if z.size == 0:
        return pre, y
    ct = dtype_ctype(z.dtype)
    a = _f64(_alpha(name, alpha))
    pre_arg = pre if keep_pre else None  # NULL (see common.NULL): no pre store
    if ct == "float" and n % 4 == 0 and _aligned16(z, bias, y):
        kern = get_kernel(SOURCE, f"cf_bias_{name}_fwd_vec4<float>")
        _launch_1d(kern, rows * (n // 4), (z, bias, pre_arg, y, _i64(rows), _i64(n // 4), a))
    else:
        kern = get_kernel(SOURCE, f"cf_bias_{name}_fwd<{ct}>")
        _launch_1d(kern, rows * n, (z, bias, pre_arg, y, _i64(rows), _i64(n), a))
    return pre, y


def bias_activation_backward(name, x, y, dy, alpha=None, need_bias=True):
    cp = _cupy()
    check_name(name, ACTIVATIONS, "activation")
    if x is None and name not in Y_ONLY_BACKWARD:
        raise ValueError(f"bias_activation_backward({name!r}) needs x (the pre-activation)")
    y = _float_input(y, "y")
    x = y if x is None else _float_input(x)
    dy = _float_input(dy, "dy")
    if x.ndim != 2:
        raise ValueError(f"bias_activation_backward: x and y must be 2-D (rows, units), received "
                         f"shape {x.shape}")
    check_same_shape(x, dy, "x", "dy")
    check_same_shape(x, y, "x", "y")
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
    # one chunk writes db itself, several write partials (NULL: that output is not written)
    partial = cp.empty(chunks * n, dtype=cp.float64) if need_bias and chunks > 1 else None
    kern = get_kernel(SOURCE, f"cf_bias_{name}_bwd<{ct}>")
    kern((col_blocks, chunks), (32, 8), _pointer_args(
        (x, y, dy, dz, partial, db if need_bias and chunks == 1 else None, _i64(rows),
         _i64(n), _i64(per_chunk), _f64(_alpha(name, alpha)))))
    if partial is not None:
        _launch_1d(get_kernel("reductions.cu", f"cf_sum_batch_finish<{ct}>"), n,
                   (partial, db, _i64(chunks), _i64(n)))
    return dz, db

