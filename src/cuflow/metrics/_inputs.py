"""Turning metric inputs into raw arrays on y_pred's device, and the Keras shape rules.

Metrics run inside the training step, so everything here stays on the device: no ``float()``,
no ``.item()``, no host copies of device data. Host data (NumPy arrays, lists, CPU tensors) is
copied to y_pred's device, the one transfer a caller asks for by passing host labels.
"""

from __future__ import annotations

import numpy as np

from ..backend import backend_of, get_backend
from ..tensor import Tensor


def _on(bk, x, what):
    """``x`` as an array on backend ``bk``; host data is copied there, other devices refused."""
    if isinstance(x, Tensor):
        if x._backend is bk:
            return x.data
        if x.device != "cpu":
            # A device-to-device (or device-to-host) copy would be silent and slow: say so.
            raise ValueError(f"{what} is on {x.device} but y_pred is on {bk.device}; move one "
                             f"of them with .to(...) first")
        x = x.data
    elif hasattr(x, "__cuda_array_interface__"):
        if bk.device != "cpu" and backend_of(x) is bk:
            return x
        raise ValueError(f"{what} is a GPU array on gpu:{x.device.id} but y_pred is on "
                         f"{bk.device}; move one of them first")
    return bk.asarray(x)


def to_arrays(y_true, y_pred, sample_weight=None, need_true=True):
    """``(backend, y_true, y_pred, sample_weight)`` as raw arrays on y_pred's device.
    ``need_true=False``: metrics of plain values (Mean, Sum) pass no y_true."""
    if need_true and y_true is None:
        raise TypeError("the metric needs y_true; received None")
    if isinstance(y_pred, Tensor):
        bk, yp = y_pred._backend, y_pred.data
    elif hasattr(y_pred, "__cuda_array_interface__"):
        bk, yp = backend_of(y_pred), y_pred
    else:
        bk, yp = get_backend("cpu"), np.asarray(y_pred)
    if yp.dtype.kind not in "biuf":
        raise TypeError(f"y_pred must be numeric, received dtype {yp.dtype}")
    yt = None if y_true is None else _on(bk, y_true, "y_true")
    sw = None if sample_weight is None else _on(bk, sample_weight, "sample_weight")
    return bk, yt, yp, sw


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras' rule: ranks differing by one with a trailing 1 are squeezed (or a rank-1 expanded)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def to_samplewise(xp, values, sample_weight, reduce):
    """Keras' ``reduce_to_samplewise_values``: (values per sample, weights per sample).

    Weighted values are reduced (``reduce`` = mean or sum) over the axes the weights lack; the
    weights themselves are reduced with ``reduce`` to one per sample.
    """
    if sample_weight is not None:
        sw = sample_weight.astype(values.dtype, copy=False)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:  # (N, 1) weights for (N,) values
            sw = sw[..., 0]
        wn, vn = sw.ndim, values.ndim
        if vn > wn:
            values = reduce(values, axis=tuple(range(wn, vn)))
        try:
            sw = xp.broadcast_to(sw, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {tuple(sample_weight.shape)} does not "
                             f"broadcast to the per-sample values of shape "
                             f"{tuple(values.shape)}") from None
        values = values * sw
        if vn > 1 and sw.ndim > 1:
            sw = reduce(sw, axis=tuple(range(1, sw.ndim)))
        sample_weight = sw
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


def kernel(bk, name):
    """The backend's fused kernel ``name``, or None while that backend's kernels are missing."""
    try:
        return getattr(bk._kernels, name)
    except (ImportError, AttributeError):
        return None


def argmax_last(bk, x):
    """argmax over the last axis: the row kernel for float rows, else plain xp."""
    fn = kernel(bk, "row_argmax") if x.dtype.kind == "f" and x.ndim >= 1 else None
    if fn is not None and x.shape[-1] > 0:
        return fn(x)
    return bk.xp.argmax(x, axis=-1)
