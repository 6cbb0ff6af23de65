"""The Dense / convolution epilogue, compiled: ``y = relu(z + bias)`` (or linear) in one pass
over ``z``, and its backward ``dz = dy * (y > 0)`` with the bias gradient summed in the same
pass. Bit for bit ``NumpyBackend.bias_activation_forward/backward``: NumPy's ``maximum`` rule
(NaN kept), ``f'(NaN) = NaN``, and the bias gradient summed row after row in float64 (the order
of NumPy's axis-0 sum), then rounded to the input dtype."""

from __future__ import annotations

import numpy as np

from ._compile import compiled


def _forward(z, bias, out, relu, zero):
    m, n = z.shape
    for i in range(m):
        zi, oi = z[i], out[i]
        for j in range(n):
            v = zi[j] + bias[j]
            if relu and v < zero:  # NumPy's maximum(v, 0): NaN and -0.0 stay
                v = zero
            oi[j] = v


def _forward_in_place(z, bias, relu, zero):
    # its own loop: z passed twice (as input and output) defeats LLVM's overlap check and the
    # loop would run unvectorised, three times slower
    m, n = z.shape
    for i in range(m):
        zi = z[i]
        for j in range(n):
            v = zi[j] + bias[j]
            if relu and v < zero:
                v = zero
            zi[j] = v


def _backward(y, dy, dz, db, relu, need_bias, zero, one):
    m, n = y.shape
    acc = np.zeros(n, np.float64)
    for i in range(m):
        yi, dyi, dzi = y[i], dy[i], dz[i]
        for j in range(n):
            v = yi[j]
            d = dyi[j] * (one if v > zero else zero) if relu else dyi[j]
            d = v if v != v else d
            dzi[j] = d
            acc[j] += d
    if need_bias:
        for j in range(n):
            db[j] = acc[j]


_FORWARD = compiled(_forward)
_FORWARD_IN_PLACE = compiled(_forward_in_place)
_BACKWARD = compiled(_backward)


def bias_activation_forward(name, z, bias):
    """``(None, y)`` for name "relu"/"linear"; writes y into ``z`` when it is writeable."""
    if z.flags.writeable:
        _FORWARD_IN_PLACE(z, bias, name == "relu", z.dtype.type(0))
        return None, z
    out = np.empty_like(z)
    _FORWARD(z, bias, out, name == "relu", z.dtype.type(0))
    return None, out


def bias_activation_backward(name, y, dy, need_bias=True):
    """``(dz, db)``: db is None when ``need_bias`` is false."""
    dz = np.empty_like(dy)
    db = np.empty(y.shape[1], np.float64)
    _BACKWARD(y, dy, dz, db, name == "relu", need_bias, y.dtype.type(0), y.dtype.type(1))
    return dz, (db.astype(dy.dtype) if need_bias else None)
