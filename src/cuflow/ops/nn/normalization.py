"""Normalization ops: batch_normalization, rms_normalization, normalize (by a norm) and moments,
composed from differentiable ops."""

from __future__ import annotations

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
    """``x`` divided by its ``order``-norm along ``axis`` (floored at ``epsilon``), as Keras."""
    from ...backend.config import epsilon as _eps
    from ..math import rsqrt

    x = to_tensor(x)
    eps = _eps() if epsilon is None else epsilon
    if order == 2:
        return x * rsqrt(maximum(sum(x * x, axis, keepdims=True), eps))
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over ``axes``."""
    x = to_tensor(x)
    m = mean(x, axes, keepdims=True)
    d = x - m
    v = mean(d * d, axes, keepdims)
    return (m if keepdims else mean(x, axes)), v


__all__ = [
    "batch_normalization", "moments", "normalize", "rms_normalization"
]
