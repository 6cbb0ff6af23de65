"""What conv and pooling share: argument normalisation, TF 'same' padding arithmetic, window
views of an array without copying (im2col through as_strided) and their transpose (col2im).

All arrays here are raw (numpy or cupy) and channels_last: (batch, *spatial, channels).
"""

from __future__ import annotations

import numpy as np

from ..backend.config import image_data_format

# the array-generic window helpers live in the backend layer (the NumPy backend's im2col/col2im
# and the CuPy backend's fallback); re-exported here for the ops
from ..backend.numpy.windows import (  # noqa: F401
    col2im_offsets,
    col2im_windows,
    crop_spatial,
    pad_spatial,
    window_slices,
    windows,
)


def as_tuple(op, name, value, n, allow_zero=False):
    """``value`` (an int or a length-``n`` sequence) as a tuple of ``n`` positive ints."""
    vals = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    low = 0 if allow_zero else 1
    if len(vals) != n or any(not isinstance(v, (int, np.integer)) or isinstance(v, bool)
                             or v < low for v in vals):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{op}: {name} must be a {kind} int or a tuple of {n} {kind} ints; "
                         f"received {value!r}")
    return tuple(int(v) for v in vals)


def check_padding(op, padding, allowed=("valid", "same")):
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        raise ValueError(f"{op}: padding must be one of {', '.join(map(repr, allowed))}; "
                         f"received {padding!r}")
    return p


def check_format(op, data_format):
    """``data_format`` checked; None means the process setting (``image_data_format``), as
    Keras."""
    fmt = data_format or image_data_format()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first'; "
                         f"received {data_format!r}")
    return fmt


def effective(k, d):
    """Extent of a dilated kernel window."""
    return (k - 1) * d + 1


def pads_for(padding, sizes, ks, strides, dils):
    """(before, after) padding per spatial axis; 'same' is TensorFlow's arithmetic:
    out = ceil(in / stride), total = max((out - 1) * stride + eff_k - in, 0), before = total // 2.
    'causal' pads only before, by eff_k - 1, so output t sees inputs <= t."""
    pads = []
    for n, k, s, d in zip(sizes, ks, strides, dils):
        eff = effective(k, d)
        if padding == "same":
            total = max((-(-n // s) - 1) * s + eff - n, 0)
            pads.append((total // 2, total - total // 2))
        elif padding == "causal":
            pads.append((eff - 1, 0))
        else:
            pads.append((0, 0))
    return pads


def out_sizes(sizes, ks, strides, dils, pads):
    """Spatial output sizes of a window sweep over padded sizes (0 when the window never fits)."""
    return tuple(max((n + pb + pa - effective(k, d)) // s + 1, 0)
                 for n, k, s, d, (pb, pa) in zip(sizes, ks, strides, dils, pads))


def output_length(n, k, stride, dilation, padding):
    """One spatial output size for shape inference; None stays None."""
    if n is None:
        return None
    (pad,) = pads_for(padding, (n,), (k,), (stride,), (dilation,))
    return out_sizes((n,), (k,), (stride,), (dilation,), (pad,))[0]


def transpose_length(n, k, stride, dilation, padding, output_padding=None):
    """Keras's deconv_output_length: the spatial size a transposed convolution produces."""
    if n is None:
        return None
    eff = effective(k, dilation)
    if output_padding is None:
        return n * stride + max(eff - stride, 0) if padding == "valid" else n * stride
    pad = eff // 2 if padding == "same" else 0
    return (n - 1) * stride + eff - 2 * pad + output_padding

