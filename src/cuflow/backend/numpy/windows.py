"""Window twins (``kernels/windows.cu``): im2col / col2im and max pooling, channels_last.

Two layers. The ``*_xp`` functions and the helpers above them are array-generic (NumPy or CuPy
through ``xp``): padding, window views without copying (the im2col view), their transpose
(col2im), and max pooling; the CUDA family falls back to them where no kernel applies (3-D), and
``cuflow.ops`` builds conv and pooling on the view helpers. The validated twins below them
(``im2col``, ``col2im``, ``max_pool_forward``, ``max_pool_backward``) are the NumPy backend's
functions, with the same signatures as their CUDA counterparts.

Arrays are channels_last: (batch, *spatial, channels). ``pads`` is ((before, after), ...) per
spatial axis, ``outs`` the output spatial sizes (see ``cuflow.ops._im2col`` for the arithmetic).
"""

from __future__ import annotations

import importlib
import itertools
import math

import numpy as np

from .common import _ieee, check_float


def _stride_tricks(xp):
    st = getattr(getattr(xp, "lib", None), "stride_tricks", None)
    return st if st is not None else importlib.import_module(xp.__name__ + ".lib.stride_tricks")


def pad_spatial(xp, a, pads, value=0.0):
    if not any(pb or pa for pb, pa in pads):
        return a
    return xp.pad(a, [(0, 0)] + list(pads) + [(0, 0)], mode="constant", constant_values=value)


def windows(xp, a, ks, strides, dils, outs):
    """A read-only view (B, *outs, *ks, C) of ``a`` (B, *S, C): element [b, o.., k.., c] is
    a[b, o*stride + k*dilation, c]. No copy; reshaping it to a matrix is the im2col copy."""
    st = a.strides
    n = len(ks)
    shape = (a.shape[0],) + tuple(outs) + tuple(ks) + (a.shape[-1],)
    strides = ((st[0],) + tuple(st[1 + i] * strides[i] for i in range(n))
               + tuple(st[1 + i] * dils[i] for i in range(n)) + (st[-1],))
    return _stride_tricks(xp).as_strided(a, shape=shape, strides=strides)


def window_slices(ks, strides, dils, outs):
    """For each kernel offset k: (k, the strided slice of the padded input it touches)."""
    for kidx in itertools.product(*(range(k) for k in ks)):
        sl = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                   for k, d, o, s in zip(kidx, dils, outs, strides))
        yield kidx, (slice(None),) + sl + (slice(None),)


def col2im_windows(xp, cols, padded_shape, ks, strides, dils, outs):
    """Transpose of ``windows``: sum cols (B, *outs, *ks, C) back into zeros(padded_shape).

    One strided slice-add per kernel offset (prod(ks) iterations): within one offset the
    touched positions are distinct, so no scatter is needed."""
    out = xp.zeros(padded_shape, dtype=cols.dtype)
    if math.prod(outs) == 0:
        return out
    lead = (slice(None),) * (1 + len(ks))
    for kidx, sl in window_slices(ks, strides, dils, outs):
        out[sl] += cols[lead + kidx]
    return out


def col2im_offsets(xp, cols, padded_shape, ks, strides, dils, outs):
    """``col2im_windows`` for columns laid out offset-major, ``(prod(ks), B * prod(outs), C)``: each
    offset's block is contiguous, so every slice-add reads whole rows instead of a view strided
    by prod(ks) (about 1.5x faster on the CPU for a 3x3 kernel)."""
    out = xp.zeros(padded_shape, dtype=cols.dtype)
    if math.prod(outs) == 0:
        return out
    shape = (padded_shape[0],) + tuple(outs) + (padded_shape[-1],)
    for k, (_, sl) in enumerate(window_slices(ks, strides, dils, outs)):
        out[sl] += cols[k].reshape(shape)
    return out


def crop_spatial(a, pads, sizes):
    return a[(slice(None),) + tuple(slice(pb, pb + n) for (pb, _), n in zip(pads, sizes))
             + (slice(None),)]


def im2col_xp(xp, x, ks, strides, dils, pads, outs):
    """The window matrix ``(B * prod(outs), prod(ks) * C)`` of ``x`` (B, *S, C): row
    (b, o...), column (k..., c) holds x[b, o*stride + k*dilation - pad_before, c], zero in the
    padding."""
    xpad = pad_spatial(xp, x, pads)
    m = x.shape[0] * math.prod(outs)
    return windows(xp, xpad, ks, strides, dils, outs).reshape(m, math.prod(ks) * x.shape[-1])


def col2im_xp(xp, cols, x_shape, ks, strides, dils, pads, outs):
    """The transpose of ``im2col_xp`` for offset-major columns ``(prod(ks), B * prod(outs), C)``:
    every window element summed back onto the input position it came from, in kernel-offset
    order; contributions that land in the padding are dropped. Shape ``x_shape``."""
    sizes = tuple(x_shape[1:-1])
    padded = (x_shape[0],) + tuple(n + pb + pa for n, (pb, pa) in zip(sizes, pads)) + \
        (x_shape[-1],)
    return crop_spatial(col2im_offsets(xp, cols, padded, ks, strides, dils, outs), pads, sizes)


def max_pool_xp(xp, x, ks, strides, pads, outs):
    """Max pooling of channels_last ``x``: the running maximum over the window offsets in
    order (NaN-propagating), the padding counting as -inf."""
    xpad = pad_spatial(xp, x, pads, value=-float("inf"))
    slices = [sl for _, sl in window_slices(ks, strides, (1,) * len(ks), outs)]
    # one vectorised ufunc over the output per offset, far cheaper than copying windows out
    y = xpad[slices[0]].copy()
    for sl in slices[1:]:
        xp.maximum(y, xpad[sl], out=y)
    return y


def max_pool_backward_xp(xp, g, x, y, ks, strides, pads, outs):
    """The gradient of ``max_pool_xp``: each window's gradient goes to the first offset (in window
    order) whose value equals the maximum, as TensorFlow; a NaN window has none."""
    xpad = pad_spatial(xp, x, pads, value=-float("inf"))
    slices = [sl for _, sl in window_slices(ks, strides, (1,) * len(ks), outs)]
    gpad = xp.zeros(xpad.shape, dtype=g.dtype)
    disjoint = all(s >= k for s, k in zip(strides, ks))
    free = None
    for j, sl in enumerate(slices):
        hit = xpad[sl] == y
        if free is not None:
            hit &= free
        if disjoint:  # each input position is in at most one window: write, don't add
            xp.multiply(g, hit, out=gpad[sl])
        else:
            gpad[sl] += g * hit
        if j + 1 < len(slices):
            free = ~hit if free is None else free & ~hit
    return crop_spatial(gpad, pads, x.shape[1:-1])


# ---- the NumPy backend's window functions ------------------------------------------------

def _positive_ints(name, values, n, low=1):
    vals = tuple(values)
    if len(vals) != n or any(not isinstance(v, (int, np.integer)) or isinstance(v, bool)
                             or v < low for v in vals):
        raise ValueError(f"{name} must be {n} ints >= {low}; received {values!r}")
    return tuple(int(v) for v in vals)


def window_geometry(x_shape, ks, strides, dils, pads, outs):
    """Validated ``(ks, strides, dils, pads, outs)`` for a channels_last input of shape
    ``x_shape`` (B, *S, C); ``outs`` must be the sizes the window sweep gives."""
    n = len(x_shape) - 2
    if n < 1:
        raise ValueError(f"im2col: input must be (batch, *spatial, channels); received shape "
                         f"{tuple(x_shape)}")
    ks = _positive_ints("kernel size", ks, n)
    strides = _positive_ints("strides", strides, n)
    dils = _positive_ints("dilations", dils, n)
    pads = tuple(_positive_ints("padding", p, 2, low=0) for p in pads)
    if len(pads) != n:
        raise ValueError(f"padding must be {n} (before, after) pairs; received {pads!r}")
    want = tuple(max((s + pb + pa - (k - 1) * d - 1) // st + 1, 0) for s, k, st, d, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, dils, pads))
    if tuple(outs) != want:
        raise ValueError(f"output sizes {tuple(outs)!r} do not match input {tuple(x_shape)} "
                         f"with kernel {ks}, strides {strides}, dilations {dils}, padding "
                         f"{pads}: expected {want}")
    return ks, strides, dils, pads, want


def im2col(x, ks, strides, dils, pads, outs):
    """The convolution window matrix of a channels_last ``x`` (B, *S, C): shape
    ``(B * prod(outs), prod(ks) * C)``; row (b, o...), column (k..., c) holds
    ``x[b, o * stride + k * dilation - pad_before, c]`` and 0 in the padding."""
    x = np.asarray(x)
    check_float(x)
    ks, strides, dils, pads, outs = window_geometry(x.shape, ks, strides, dils, pads, outs)
    return im2col_xp(np, x, ks, strides, dils, pads, outs)


def col2im(cols, x_shape, ks, strides, dils, pads, outs):
    """The transpose of ``im2col`` for offset-major columns ``(prod(ks), B * prod(outs), C)``
    (one GEMM per kernel offset): each window element added back onto its input position, in
    kernel-offset order, in the columns' dtype; padding contributions dropped."""
    cols = np.asarray(cols)
    check_float(cols, "cols")
    x_shape = tuple(int(v) for v in x_shape)
    ks, strides, dils, pads, outs = window_geometry(x_shape, ks, strides, dils, pads, outs)
    want = (math.prod(ks), x_shape[0] * math.prod(outs), x_shape[-1])
    if cols.shape != want:
        raise ValueError(f"col2im: cols must have shape {want} for input {x_shape} and kernel "
                         f"{ks}; received {cols.shape}")
    return col2im_xp(np, cols, x_shape, ks, strides, dils, pads, outs)


def pool_geometry(x_shape, ks, strides, pads, outs):
    ks, strides, _, pads, outs = window_geometry(x_shape, ks, strides, (1,) * len(ks), pads,
                                                 outs)
    return ks, strides, pads, outs


@_ieee
def max_pool_forward(x, ks, strides, pads, outs):
    """Max pooling of channels_last ``x`` (B, *S, C): the window maximum, NaN-propagating, with
    padding as -inf; shape (B, *outs, C)."""
    x = np.asarray(x)
    check_float(x)
    ks, strides, pads, outs = pool_geometry(x.shape, ks, strides, pads, outs)
    return max_pool_xp(np, x, ks, strides, pads, outs)


@_ieee
def max_pool_backward(g, x, y, ks, strides, pads, outs):
    """The input gradient of max pooling: each window's ``g`` goes to the first offset (window
    order) holding the maximum ``y``; a NaN window sends none (``g * 0`` is still added, so NaN
    or Inf in ``g`` reach every position of its window, as IEEE says)."""
    g, x, y = np.asarray(g), np.asarray(x), np.asarray(y)
    check_float(x)
    ks, strides, pads, outs = pool_geometry(x.shape, ks, strides, pads, outs)
    want = (x.shape[0],) + outs + (x.shape[-1],)
    for name, a in (("g", g), ("y", y)):
        if a.shape != want or a.dtype != x.dtype:
            raise ValueError(f"max_pool_backward: {name} must be {x.dtype} of shape {want}; "
                             f"received {a.dtype} of shape {a.shape}")
    return max_pool_backward_xp(np, g, x, y, ks, strides, pads, outs)

