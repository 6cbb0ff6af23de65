"""The Dense / convolution epilogue, compiled: ``y = relu(z + bias)`` (or linear) in one pass
over ``z``, and its backward ``dz = dy * (y > 0)`` with the bias gradient summed in the same
pass. Same results as ``NumpyBackend.bias_activation_forward/backward``: NumPy's ``maximum``
rule (NaN kept), ``f'(NaN) = NaN``; the bias gradient is summed in float64 as NumPy's, but in
``BIAS_BLOCKS`` fixed row blocks (then the blocks in order) rather than one row after another:
deterministic, and after rounding to float32 equal to NumPy's except where the float64 sum lies
within a float64 ulp of a float32 rounding boundary."""

from __future__ import annotations

import numpy as np

from ._compile import pick, prange, twins

BIAS_BLOCKS = 32  # fixed: the sum's order does not depend on the number of threads


def _forward(z, bias, out, relu, zero):
    m, n = z.shape
    for i in prange(m):
        for j in range(n):
            v = z[i, j] + bias[j]
            if relu and not (v >= zero or v != v):
                v = zero
            out[i, j] = v


def _backward(y, dy, dz, part, relu, need_bias, zero, one):
    m, n = y.shape
    nb = part.shape[0]
    step = (m + nb - 1) // nb
    for blk in prange(nb):
        acc = np.zeros(n, np.float64)
        for i in range(blk * step, min(m, (blk + 1) * step)):
            yi, dyi, dzi = y[i], dy[i], dz[i]
            for j in range(n):
                v = yi[j]
                d = dyi[j] * (one if v > zero else zero) if relu else dyi[j]
                d = v if v != v else d
                dzi[j] = d
                acc[j] += d
        if need_bias:
            part[blk] = acc


_FORWARD = twins(_forward)
_BACKWARD = twins(_backward)


def bias_activation_forward(name, z, bias):
    """``(None, y)`` for name "relu"/"linear"; writes y into ``z`` when it is writeable."""
    out = z if z.flags.writeable else np.empty_like(z)
    zero = z.dtype.type(0)
    pick(_FORWARD, z.size)(z, bias, out, name == "relu", zero)
    return None, out


def bias_activation_backward(name, y, dy, need_bias=True):
    """``(dz, db)``: db is None when ``need_bias`` is false."""
    dz = np.empty_like(dy)
    part = np.zeros((BIAS_BLOCKS, y.shape[1]), np.float64)
    pick(_BACKWARD, y.size)(y, dy, dz, part, name == "relu", need_bias, y.dtype.type(0),
                            y.dtype.type(1))
    return dz, (part.sum(axis=0).astype(dy.dtype) if need_bias else None)
