"""Turning metric inputs into Tensors on y_pred's device, the Keras shape rules, and the few
helpers the metrics share on top of ``cuflow.ops``.

Metrics run inside the training step, so everything here stays on the device: no ``float()``,
no ``.item()``, no host copies of device data. Host data (NumPy arrays, lists, CPU tensors) is
copied to y_pred's device, the one transfer a caller asks for by passing host labels. The Tensors
handed on never require a gradient, so the ops a metric runs record no graph.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..backend import backend_of, get_backend
from ..backend import device as on_device
from ..tensor import Tensor


def _plain(t):
    """``t`` without a gradient (a view of the same data when it has one)."""
    return t.detach() if t.requires_grad else t


def on(device, x, what):
    """``x`` as a Tensor on ``device``; host data is copied there, other devices refused."""
    if isinstance(x, Tensor):
        if x.device == device:
            return _plain(x)
        if x.device != "cpu":
            # A device-to-device (or device-to-host) copy would be silent and slow: say so.
            raise ValueError(f"{what} is on {x.device} but y_pred is on {device}; move one "
                             f"of them with .to(...) first")
        x = x.data
    elif hasattr(x, "__cuda_array_interface__"):
        if device != "cpu" and backend_of(x).device == device:
            return Tensor(x)
        raise ValueError(f"{what} is a GPU array on gpu:{x.device.id} but y_pred is on "
                         f"{device}; move one of them first")
    return Tensor(np.asarray(x), device=device)


def to_tensors(y_true, y_pred, sample_weight=None, need_true=True):
    """``(y_true, y_pred, sample_weight)`` as Tensors on y_pred's device (None stays None).
    ``need_true=False``: metrics of plain values (Mean, Sum) pass no y_true."""
    if need_true and y_true is None:
        raise TypeError("the metric needs y_true; received None")
    if isinstance(y_pred, Tensor):
        yp = _plain(y_pred)
    elif hasattr(y_pred, "__cuda_array_interface__"):
        yp = Tensor(y_pred)
    else:
        host = np.asarray(y_pred)
        if host.dtype.kind not in "biuf":
            raise TypeError(f"y_pred must be numeric, received dtype {host.dtype}")
        yp = Tensor(host, device="cpu")
    if yp.dtype.kind not in "biuf":
        raise TypeError(f"y_pred must be numeric, received dtype {yp.dtype}")
    yt = None if y_true is None else on(yp.device, y_true, "y_true")
    sw = None if sample_weight is None else on(yp.device, sample_weight, "sample_weight")
    return yt, yp, sw


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


def broadcast(x, shape, error):
    """``ops.broadcast_to(x, shape)``; ValueError(``error``) when the shapes do not fit."""
    try:
        return ops.broadcast_to(x, shape)
    except ValueError:
        raise ValueError(error) from None


def to_samplewise(values, sample_weight, reduce):
    """Keras' ``reduce_to_samplewise_values``: (values per sample, weights per sample).

    Weighted values are reduced (``reduce`` = ops.mean or ops.sum) over the axes the weights
    lack; the weights themselves are reduced with ``reduce`` to one per sample.
    """
    if sample_weight is not None:
        sw = ops.cast(sample_weight, values.dtype)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:  # (N, 1) weights for (N,) values
            sw = sw[..., 0]
        wn, vn = sw.ndim, values.ndim
        if vn > wn:
            values = reduce(values, axis=tuple(range(wn, vn)))
        sw = broadcast(sw, values.shape, f"sample_weight of shape {tuple(sample_weight.shape)} "
                       f"does not broadcast to the per-sample values of shape "
                       f"{tuple(values.shape)}")
        values = values * sw
        if vn > 1 and sw.ndim > 1:
            sw = reduce(sw, axis=tuple(range(1, sw.ndim)))
        sample_weight = sw
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


def sum64(x, axis=None):
    """The sum of ``x`` accumulated in float64 (counts stay exact past 2**24)."""
    return ops.sum(ops.cast(x, "float64"), axis=axis)


def argmax(x, axis=-1):
    """``ops.argmax``, and for an empty batch the empty int64 result NumPy gives."""
    if x.size == 0 and x.ndim and x.shape[axis] > 0:
        return ops.cast(ops.sum(x, axis=axis), "int64")  # the empty shape, on x's device
    return ops.argmax(x, axis=axis)


def arange(device, n):
    """``0 .. n-1`` (int64) on ``device`` (``ops.arange`` creates on the current device)."""
    with on_device(device):
        return ops.arange(n, dtype="int64")


def pick_last(x, index):
    """``x[..., index]`` per row for indices known to lie in [0, x.shape[-1]).

    ``ops.take_along_axis`` checks the indices on the host (a device sync per update); a
    one-hot mask summed over the last axis picks the same values (x + 0 is exact).
    """
    hit = ops.equal(ops.expand_dims(index, -1), arange(x.device, x.shape[-1]))
    return ops.sum(ops.where(hit, x, 0), axis=-1)


def weighted_histogram(index, weights, size):
    """``bincount(index, weights, minlength=size)`` in float64 for int64 indices in [0, size).

    ``ops.bincount`` reads max(index) on the host to size its output (a device sync, and an
    error inside a CUDA graph capture); here the size is known and the indices valid by
    construction, so the sums go through the backend's ``scatter_add`` into a zero buffer of
    that size, in index order (NumPy's bincount order on the CPU).
    """
    weights = ops.cast(ops.reshape(weights, (-1,)), "float64")
    with on_device(index.device):
        out = ops.zeros((size,), dtype="float64")
    get_backend(index.device).scatter_add(out.data, index.data, weights.data)
    return out


def add_to(buffer, value, scale=None):
    """``buffer += value`` (times ``scale``) in place, so a state array keeps its address (what a
    captured CUDA graph replays against). ``value`` is a Tensor or a Python number (a kernel
    argument); a Python ``scale`` multiplies in the same pass, as the training loop's loss
    update does every step."""
    value = value.data if isinstance(value, Tensor) else value
    if scale is not None:
        value = value * scale
    if hasattr(value, "dtype") and value.dtype != buffer.dtype:
        value = value.astype(buffer.dtype)  # a Keras-style integer or float32 state variable
    buffer += value


def tensors(state):
    """A metric's state arrays as Tensors (no copy), by name; Tensors pass as they are."""
    return {name: a if isinstance(a, Tensor) else Tensor._wrap(a) for name, a in state.items()}
