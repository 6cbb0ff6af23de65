"""What every data adapter shares: arrays moved to the model's device once, text kept on the
host, class weights turned into sample weights, and batches packed / unpacked as Keras does."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from ...tree import flatten as _flatten


def is_host_text(a):
    """Text data (a NumPy array of str / bytes / object) stays on the host: strings never go
    to a device, the model's text layers (TextVectorization, StringLookup ...) read them."""
    return isinstance(a, np.ndarray) and a.dtype.kind in "USO"


def device_array(x, bk):
    """One upload per fit: float64 becomes float32 as Keras casts to the model's dtype."""
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, (str, bytes)) for v in x):
        x = np.asarray(x)
    if is_host_text(x):
        if x.ndim == 0:
            raise ValueError("model data must have a batch axis; received a scalar")
        return x
    if isinstance(x, Tensor):
        arr = x.data if x._backend is bk else bk.asarray(x.numpy())
    elif hasattr(x, "__cuda_array_interface__") or isinstance(x, np.ndarray):
        arr = x if bk.is_native(x) else bk.asarray(x)
    else:
        try:
            arr = bk.asarray(np.asarray(x))
        except (TypeError, ValueError) as e:
            raise TypeError(f"cannot use {type(x).__name__} as model data: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"model data must be numeric; received an array of dtype {arr.dtype}")
    if arr.dtype == np.float64 or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if arr.ndim == 0:
        raise ValueError("model data must have a batch axis; received a scalar")
    return arr


def is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, list, tuple, dict)) or \
        hasattr(x, "__cuda_array_interface__")


def length(structure, what):
    """The common number of samples of every array in ``structure`` (None when empty)."""
    lengths = {int(a.shape[0]) for a in _flatten(structure)}
    if len(lengths) > 1:
        raise ValueError(f"all arrays in {what} must have the same number of samples; received "
                         f"lengths {sorted(lengths)}")
    return lengths.pop() if lengths else None


def class_weight_to_sample_weight(y, class_weight, bk):
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict mapping class index to weight; received "
                        f"{type(class_weight).__name__}")
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("class_weight is only supported for models with a single output")
    labels = bk.to_numpy(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(labels.shape[0], -1)[:, 0] if labels.ndim > 1 else labels
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(len(labels), dtype=np.float32)
    for cls, w in class_weight.items():
        weights[labels == int(cls)] = float(w)
    return bk.asarray(weights)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sw)``."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(f"a data batch must be x, (x,), (x, y) or (x, y, sample_weight); "
                         f"received a tuple of {len(data)} items")
    return data, None, None


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch Keras hands to ``train_step``: (x, y) or (x, y, sw); without y, x itself
    (or (x,) when x is a list or tuple of inputs), as Keras's pack_x_y_sample_weight."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)
