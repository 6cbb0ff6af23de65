"""Activation functions: the kernel-backed ones (one fused kernel forward and one backward on the
backend), softmax / log_softmax, and the shrink / threshold / sparse ones of Keras 3 whose
forward and backward are a few ``xp`` expressions (NumPy or CuPy)."""

from __future__ import annotations

import numpy as np

from ...backend.names import ACTIVATIONS
from .._core import check_float, normalize_axis, record, to_tensor

# ---- kernel-backed ------------------------------------------------------------------------------

def activation(x, name, alpha=None):
    """Apply the elementwise activation ``name`` (one fused kernel forward and one backward).
    Integer and bool inputs promote to floatx() (as Keras)."""
    from ..numpy._elementwise import to_float

    x = to_float(x)
    check_float(name, x)
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; valid names: {', '.join(ACTIVATIONS)}")
    if name == "linear":
        return x
    bk = x._backend
    y = bk.activation_forward(name, x.data, alpha)

    def backward(g):
        return (bk.activation_backward(name, x.data, y, g, alpha),)

    return record(y, (x,), backward, name, bk)


def _named(name):
    def fn(x):
        return activation(x, name)

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` on the backend's fused kernel."
    return fn


relu6 = _named("relu6")
selu = _named("selu")
sigmoid = _named("sigmoid")
hard_sigmoid = _named("hard_sigmoid")
hard_swish = _named("hard_swish")
hard_silu = hard_swish  # Keras 3's name
tanh = _named("tanh")
softplus = _named("softplus")
softsign = _named("softsign")
silu = swish = _named("silu")
mish = _named("mish")
exponential = _named("exponential")


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu: plain ReLU by default. With a ``threshold``: x where x > threshold, else
    ``negative_slope * (x - threshold)``; ``max_value`` caps the result to [0, max_value] (as
    ``keras.activations.relu``)."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return activation(x, "relu")
    if threshold == 0.0 and max_value is None:
        return activation(x, "leaky_relu", negative_slope)
    if threshold == 0.0 and max_value == 6.0 and negative_slope == 0.0:
        return activation(x, "relu6")
    from ..numpy.arithmetic import clip
    from ..numpy.logic import where

    x = to_tensor(x)
    if threshold != 0.0:
        y = where(x > threshold, x, x * 0)
    else:
        y = activation(x, "relu")
    if max_value is not None:
        y = clip(y, 0.0, max_value)
    if negative_slope != 0.0:
        y = y - negative_slope * activation(threshold - x, "relu")
    return y


def leaky_relu(x, negative_slope=0.2):
    return activation(x, "leaky_relu", negative_slope)


def elu(x, alpha=1.0):
    return activation(x, "elu", alpha)


def celu(x, alpha=1.0):
    """Keras's celu: x for x > 0, ``alpha * (exp(x / alpha) - 1)`` below."""
    if not alpha > 0:
        raise ValueError(f"celu: alpha must be > 0; received {alpha!r}")
    return activation(x, "celu", alpha)


def gelu(x, approximate=True):
    return activation(x, "gelu_tanh" if approximate else "gelu")


def log_sigmoid(x):
    return -softplus(-to_tensor(x))


# ---- softmax ------------------------------------------------------------------------------------

def _last_axis_op(op, fwd, bwd):
    def fn(x, axis=-1):
        x = to_tensor(x)
        check_float(op, x)
        if x.ndim == 0:
            raise ValueError(f"{op} needs a tensor of rank >= 1; received a scalar")
        if axis is None or isinstance(axis, (tuple, list)):
            return _over_axes(fn, x, axis)
        (ax,) = normalize_axis(op, axis, x.ndim)
        if op == "softmax" and x.shape[ax] == 1:
            import warnings

            warnings.warn(f"You are using a softmax over axis {axis} of a tensor of shape "
                          f"{x.shape}. This axis has size 1. The softmax operation will always "
                          f"return the value 1, which is likely not what you intended. Did you "
                          f"mean to use a sigmoid instead?", UserWarning, stacklevel=2)
        if ax != x.ndim - 1:
            from ..numpy.shape import transpose

            perm = list(range(x.ndim))
            perm[ax], perm[-1] = perm[-1], perm[ax]
            return transpose(fn(transpose(x, perm)), perm)
        bk = x._backend
        y = getattr(bk, fwd)(x.data)
        out = record(y, (x,), lambda g: (getattr(bk, bwd)(y, g),), op, bk)
        if op == "softmax":
            # as Keras on TensorFlow: a crossentropy on these probabilities can use the logits
            # (one fused, stable kernel instead of softmax + clipped log + two backward passes)
            out._keras_logits = x
        return out

    fn.__name__ = op
    return fn


def _over_axes(fn, x, axis):
    """``fn`` over several axes at once (None: all): move them last, flatten them into one,
    apply on that axis, and undo the moves."""
    from ..numpy.shape import reshape, transpose

    axes = list(normalize_axis(fn.__name__, axis, x.ndim))
    rest = [i for i in range(x.ndim) if i not in axes]
    perm = rest + axes
    moved = transpose(x, perm) if perm != list(range(x.ndim)) else x
    flat = reshape(moved, tuple(x.shape[i] for i in rest) + (-1,))
    y = reshape(fn(flat, -1), moved.shape)
    inv = [perm.index(i) for i in range(x.ndim)]
    return transpose(y, inv) if perm != list(range(x.ndim)) else y


softmax = _last_axis_op("softmax", "softmax_forward", "softmax_backward")
log_softmax = _last_axis_op("log_softmax", "log_softmax_forward", "log_softmax_backward")


# ---- shrink, threshold and sparse activations ---------------------------------------------------

def _elementwise(op, fwd, bwd):
    """An activation from ``fwd(xp, x, *params)`` and ``bwd(xp, x, y, g, *params)``."""

    def make(x, *params):
        x = to_tensor(x)
        check_float(op, x)
        xp = x._backend.xp
        y = fwd(xp, x.data, *params).astype(x.dtype, copy=False)
        return record(y, (x,), lambda g: (bwd(xp, x.data, y, g, *params).astype(g.dtype,
                                                                                   copy=False),),
                      op)

    return make


def _zero(xp, like):
    return xp.zeros((), dtype=like.dtype)


_hard_tanh = _elementwise(
    "hard_tanh", lambda xp, x: xp.clip(x, -1, 1),
    lambda xp, x, y, g: g * ((x >= -1) & (x <= 1)))
_hard_shrink = _elementwise(
    "hard_shrink", lambda xp, x, t: xp.where(xp.abs(x) > t, x, _zero(xp, x)),
    lambda xp, x, y, g, t: g * (xp.abs(x) > t))
_soft_shrink = _elementwise(
    "soft_shrink",
    lambda xp, x, t: xp.where(x > t, x - t, xp.where(x < -t, x + t, _zero(xp, x))),
    lambda xp, x, y, g, t: g * (xp.abs(x) > t))
_sparse_plus = _elementwise(
    "sparse_plus",
    lambda xp, x: xp.where(x <= -1, _zero(xp, x), xp.where(x >= 1, x, (x + 1) ** 2 / 4)),
    lambda xp, x, y, g: g * xp.where(x <= -1, _zero(xp, x),
                                     xp.where(x >= 1, xp.ones((), x.dtype), (x + 1) / 2)))
_squareplus = _elementwise(
    "squareplus", lambda xp, x, b: (x + xp.sqrt(x * x + b)) / 2,
    lambda xp, x, y, g, b: g * (1 + x / xp.sqrt(x * x + b)) / 2)
_sparse_sigmoid = _elementwise(
    "sparse_sigmoid",
    lambda xp, x: xp.clip((x + 1) / 2, 0, 1),
    lambda xp, x, y, g: g * ((x > -1) & (x < 1)) / 2)
_tanh_shrink = _elementwise(
    "tanh_shrink", lambda xp, x: x - xp.tanh(x), lambda xp, x, y, g: g * xp.tanh(x) ** 2)
_threshold = _elementwise(
    "threshold", lambda xp, x, t, v: xp.where(x > t, x, xp.asarray(v, dtype=x.dtype)),
    lambda xp, x, y, g, t, v: g * (x > t))


def hard_tanh(x):
    """clip(x, -1, 1); the gradient passes inside [-1, 1]."""
    return _hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _hard_shrink(x, float(threshold))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    return _soft_shrink(x, float(threshold))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)² / 4 for -1 < x < 1, x for x >= 1."""
    return _sparse_plus(x)


def squareplus(x, b=4):
    """(x + sqrt(x² + b)) / 2."""
    if b < 0:
        raise ValueError(f"squareplus: b must be non-negative; received {b!r}")
    return _squareplus(x, float(b))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return _sparse_sigmoid(x)


def tanh_shrink(x):
    """x - tanh(x)."""
    return _tanh_shrink(x)


def threshold(x, threshold, default_value):  # noqa: A002 - Keras' argument name
    """x where x > threshold, else ``default_value``."""
    return _threshold(x, float(threshold), float(default_value))


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b) for the two halves (a, b) of ``x`` along ``axis``."""
    from ..numpy.rearranging import split

    x = to_tensor(x)
    check_float("glu", x)
    (ax,) = normalize_axis("glu", axis, x.ndim)
    if x.shape[ax] % 2:
        raise ValueError(f"glu: axis {axis} of shape {x.shape} must have an even size; received "
                         f"{x.shape[ax]}")
    a, b = split(x, 2, axis=ax)
    return a * sigmoid(b)


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Backward: on the support S, g - mean_S(g); zero elsewhere.
    """
    x = to_tensor(x)
    check_float("sparsemax", x)
    if x.ndim == 0:
        raise ValueError("sparsemax needs a tensor of rank >= 1; received a scalar")
    (ax,) = normalize_axis("sparsemax", axis, x.ndim)
    xp = x._backend.xp
    z = xp.moveaxis(x.data, ax, -1)
    n = z.shape[-1]
    zs = -xp.sort(-z, axis=-1)
    cs = xp.cumsum(zs, axis=-1)
    r = xp.arange(1, n + 1, dtype=z.dtype)
    support = (1 + r * zs) > cs
    k = support.sum(-1, keepdims=True)
    csk = xp.take_along_axis(cs, xp.maximum(k - 1, 0).astype(np.int64), -1)
    tau = (csk - 1) / k.astype(z.dtype)
    y = xp.maximum(z - tau, 0).astype(x.dtype)
    on = y > 0

    def backward(g):
        gm = xp.moveaxis(g, ax, -1)
        cnt = xp.maximum(on.sum(-1, keepdims=True), 1).astype(g.dtype)
        mean = (gm * on).sum(-1, keepdims=True) / cnt
        return (xp.moveaxis(xp.where(on, gm - mean, xp.zeros((), g.dtype)), -1, ax),)

    return record(xp.ascontiguousarray(xp.moveaxis(y, -1, ax)), (x,), backward, "sparsemax")


__all__ = [
    "ACTIVATIONS", "activation", "celu", "elu", "exponential", "gelu", "glu", "hard_shrink",
    "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "log_sigmoid",
    "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax",
    "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish",
    "tanh", "tanh_shrink", "threshold"
]
