"""Convolution windows on raw arrays, array-generic (NumPy or CuPy through ``xp``): padding,
window views without copying (the im2col view), their transpose (col2im), and the ``im2col`` /
``col2im`` reference that the NumPy backend runs and the CuPy backend falls back to where no
CUDA kernel applies.

Arrays are channels_last: (batch, *spatial, channels). ``pads`` is ((before, after), ...) per
spatial axis, ``outs`` the output spatial sizes (see ``cuflow.ops._im2col`` for the arithmetic).
"""

from __future__ import annotations

import importlib
import itertools
import math


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


def im2col(xp, x, ks, strides, dils, pads, outs):
    """The window matrix ``(B * prod(outs), prod(ks) * C)`` of ``x`` (B, *S, C): row
    (b, o...), column (k..., c) holds x[b, o*stride + k*dilation - pad_before, c], zero in the
    padding."""
    xpad = pad_spatial(xp, x, pads)
    m = x.shape[0] * math.prod(outs)
    return windows(xp, xpad, ks, strides, dils, outs).reshape(m, math.prod(ks) * x.shape[-1])


def col2im(xp, cols, x_shape, ks, strides, dils, pads, outs):
    """The transpose of ``im2col`` for offset-major columns ``(prod(ks), B * prod(outs), C)``:
    every window element summed back onto the input position it came from, in kernel-offset
    order; contributions that land in the padding are dropped. Shape ``x_shape``."""
    sizes = tuple(x_shape[1:-1])
    padded = (x_shape[0],) + tuple(n + pb + pa for n, (pb, pa) in zip(sizes, pads)) + \
        (x_shape[-1],)
    return crop_spatial(col2im_offsets(xp, cols, padded, ks, strides, dils, outs), pads, sizes)


def max_pool(xp, x, ks, strides, pads, outs):
    """Max pooling of channels_last ``x``: the running maximum over the window offsets in
    order (NaN-propagating), the padding counting as -inf."""
    xpad = pad_spatial(xp, x, pads, value=-float("inf"))
    slices = [sl for _, sl in window_slices(ks, strides, (1,) * len(ks), outs)]
    # one vectorised ufunc over the output per offset, far cheaper than copying windows out
    y = xpad[slices[0]].copy()
    for sl in slices[1:]:
        xp.maximum(y, xpad[sl], out=y)
    return y


def max_pool_backward(xp, g, x, y, ks, strides, pads, outs):
    """The gradient of ``max_pool``: each window's gradient goes to the first offset (in window
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
