"""Losses on the GPU (``kernels/losses.cu``): per-sample loss and input gradient in one launch.
Semantics: ``backend/numpy/losses.py``.

The label-range check of sparse losses costs one device-to-host read; during CUDA-graph capture
(where a host read is illegal) it is skipped and the kernel itself turns an out-of-range label
into a NaN loss row instead of reading out of bounds.
"""

from __future__ import annotations

import numpy as np

from ..names import ELEM_LOSS_KERNELS, LOSSES, ROW_LOSS_KERNELS, SPARSE_LOSS_KERNELS
from ..numpy.common import bad_label_error, check_integer_labels, check_name, sparse_label_shape
from ..numpy.losses import ELEMENTWISE_LOSSES, _check_loss_inputs
from .common import _capturing, _cupy, _f64, _float_input, _i64, _launch_rows
from .compile import LABEL_CTYPES, REDUCERS, dtype_ctype, float_types

SOURCE = "losses.cu"
NAME_EXPRESSIONS = tuple(
    [f"cf_{k}_fwd<{ct}, {r}>" for k in ELEM_LOSS_KERNELS + ROW_LOSS_KERNELS
     for ct in float_types() for r in REDUCERS]
    + [f"cf_{k}_fwd<{ct}, {lt}, {r}>" for k in SPARSE_LOSS_KERNELS for ct in float_types()
       for lt in LABEL_CTYPES.values() for r in REDUCERS])


_flags: dict[int, object] = {}


def _zero_flag():
    cp = _cupy()
    dev = cp.cuda.Device().id
    if dev not in _flags:
        _flags[dev] = cp.zeros((), dtype=cp.int32)
    return _flags[dev]


def _labels_input(y_true, y_pred):
    """Validated, contiguous int32/int64 labels of shape y_pred.shape[:-1]."""
    cp = _cupy()
    labels = cp.asarray(y_true)
    check_integer_labels(labels)
    shape = sparse_label_shape(labels, y_pred)
    labels = cp.ascontiguousarray(labels.reshape(shape))
    if str(labels.dtype) not in LABEL_CTYPES:
        labels = labels.astype(cp.int64)
    n = y_pred.shape[-1]
    if labels.size and not _capturing():
        lo, hi = (int(v) for v in cp.stack((labels.min(), labels.max())).get())
        if lo < 0 or hi >= n:
            raise bad_label_error(lo if lo < 0 else hi, n)
    return labels


def loss_forward_backward(name, y_true, y_pred, from_logits=False, label_smoothing=0.0,
                          delta=1.0, need_grad=True):
    check_name(name, LOSSES, "loss")  # before touching the device
    cp = _cupy()
    y_pred = _float_input(y_pred, "y_pred")
    y_true = cp.asarray(y_true)
    kernel, ls_a, ls_b = _check_loss_inputs(name, y_true, y_pred, from_logits,
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
    if kernel in ELEMENTWISE_LOSSES or kernel == "binary_crossentropy_logits":
        if name in ("hinge", "squared_hinge"):
            flag = ((t == 0) | (t == 1)).all().astype(cp.int32)  # stays on the device
        else:
            flag = _zero_flag()
        args = (t, y_pred, per, g_arg, *dims, _f64(delta), _f64(ls_a), _f64(ls_b), wg, flag)
        _launch_rows(SOURCE, f"cf_{kernel}_fwd", (ct,), rows, n, args)
    elif kernel.startswith("categorical_crossentropy"):
        args = (t, y_pred, per, g_arg, *dims, _f64(ls_a), _f64(ls_b), wg)
        _launch_rows(SOURCE, f"cf_{kernel}_fwd", (ct,), rows, n, args)
    elif kernel.startswith("sparse_"):
        lt = LABEL_CTYPES[str(labels.dtype)]
        args = (labels, y_pred, per, g_arg, *dims, wg)
        _launch_rows(SOURCE, f"cf_{kernel}_fwd", (ct, lt), rows, n, args)
    else:  # categorical_hinge, cosine_similarity
        args = (t, y_pred, per, g_arg, *dims, wg)
        _launch_rows(SOURCE, f"cf_{kernel}_fwd", (ct,), rows, n, args)
    return per, grad


def sparse_softmax_cross_entropy(logits, labels, need_grad=True):
    return loss_forward_backward("sparse_categorical_crossentropy", labels, logits,
                                 from_logits=True, need_grad=need_grad)

