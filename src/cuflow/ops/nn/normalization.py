"""Normalization ops: batch_normalization, rms_normalization, normalize (by a norm) and moments,
composed from differentiable ops."""

from __future__ import annotations

import numpy as np

from .._core import check_float, normalize_axis, to_tensor
from ..linalg.norms import norm
from ..numpy.arithmetic import divide, maximum
from ..numpy.reductions import mean, sum


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the 1-D statistics along
    ``axis``."""
    from ..math import rsqrt
    from ..numpy.shape import reshape

    x = to_tensor(x)
    check_float("batch_normalization", x)
    (ax,) = normalize_axis("batch_normalization", axis, x.ndim)
    shape = [1] * x.ndim
    shape[ax] = x.shape[ax]

    def vec(name, v):
        v = to_tensor(v, x)
        if v.ndim != 1 or v.shape[0] != x.shape[ax]:
            raise ValueError(f"batch_normalization: {name} must be 1-D of size {x.shape[ax]} "
                             f"(axis {axis} of shape {x.shape}); received shape {v.shape}")
        return reshape(v, tuple(shape))

    inv = rsqrt(vec("variance", variance) + epsilon)
    if scale is not None:
        inv = inv * vec("scale", scale)
    out = (x - vec("mean", mean)) * inv
    if offset is not None:
        out = out + vec("offset", offset)
    return out


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x * rsqrt(mean(x², axis) + epsilon) * scale (epsilon defaults to
    ``cuflow.config.epsilon()``)."""
    from ...backend.config import epsilon as _eps
    from ..math import rsqrt
    from ..numpy.reductions import mean

    x = to_tensor(x)
    check_float("rms_normalization", x)
    if x.ndim == 0:
        from ..numpy.shape import expand_dims

        x = expand_dims(x, 0)
    eps = _eps() if epsilon is None else float(epsilon)
    out = x * rsqrt(mean(x * x, axis, keepdims=True) + eps)
    return out if scale is None else out * to_tensor(scale, x)


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis``, the norm floored at ``epsilon``
    (default ``cuflow.config.epsilon()``), as Keras: for order 2, ``x * min(rsqrt(sum(x²)),
    1 / epsilon)``. ``order`` must be an int >= 1; integers give floatx()."""
    from ...backend.config import epsilon as _eps
    from ..math import rsqrt
    from ..numpy._elementwise import to_float
    from ..numpy.arithmetic import minimum
    from ..numpy.shape import expand_dims

    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = to_float(x)
    if x.ndim == 0:
        x = expand_dims(x, 0)
    eps = _eps() if epsilon is None else epsilon
    if order == 2:
        return x * minimum(rsqrt(sum(x * x, axis, keepdims=True)), 1.0 / eps)
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over ``axes``. float16 inputs are reduced in float32 and the variance
    clipped to float16's largest value before the cast back (as Keras)."""
    from ..core import cast
    from ..numpy._elementwise import to_float
    from ..numpy.arithmetic import minimum

    x = to_float(x)
    half = x.dtype == np.float16
    if half:
        x = cast(x, "float32")
    m = mean(x, axes, keepdims=True)
    d = x - m
    v = mean(d * d, axes, keepdims)
    m = m if keepdims else mean(x, axes)
    if half:
        v = minimum(v, float(np.finfo(np.float16).max))
        m, v = cast(m, "float16"), cast(v, "float16")
    return m, v


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, the statistics over ``axis`` (an int or
    a tuple); half precision is computed in float32 and cast back (as Keras).
    ``rms_scaling=True`` (deprecated in Keras) scales by the variance instead."""
    from ...backend.config import epsilon as _eps
    from ..core import cast
    from ..math import rsqrt
    from ..numpy._elementwise import to_float
    from ..numpy.shape import reshape

    rms_scaling = kwargs.pop("rms_scaling", False)
    if rms_scaling:
        import warnings

        warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                      "incorrectly scales the input by the variance, not the root mean square. "
                      "To correctly use RMS Normalization, please use "
                      "`keras.ops.rms_normalization` / `keras.ops.nn.rms_normalization` "
                      "instead.", UserWarning, stacklevel=2)
    if kwargs:
        raise TypeError(f"layer_normalization got unexpected arguments {sorted(kwargs)}")
    x = to_tensor(x)
    orig = x.dtype
    x = to_float(x)
    if x.dtype == np.float16:
        x = cast(x, "float32")
    eps = _eps() if epsilon is None else float(epsilon)
    axes = sorted(normalize_axis("layer_normalization", axis, x.ndim))
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]

    def bcast(v):
        if v is None:
            return None
        v = to_tensor(v, x)
        if v.ndim != x.ndim and axes != [x.ndim - 1]:
            v = reshape(v, tuple(shape))
        return cast(v, x.dtype) if v.dtype != x.dtype else v

    gamma, beta = bcast(gamma), bcast(beta)
    if rms_scaling:
        d = x - mean(x, tuple(axes), keepdims=True)
        out = x * rsqrt(mean(d * d, tuple(axes), keepdims=True) + eps)
        if gamma is not None:
            out = out * gamma
    else:
        m, v = moments(x, tuple(axes), keepdims=True)
        inv = rsqrt(v + eps)
        if gamma is not None:
            inv = inv * gamma
        out = (x - m) * inv
        if beta is not None:
            out = out + beta
    return cast(out, orig) if orig.kind == "f" and out.dtype != orig else out


__all__ = [
    "batch_normalization", "layer_normalization", "moments", "normalize", "rms_normalization"
]
