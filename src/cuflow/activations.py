"""Keras activation functions (``tf.keras.activations``, Keras 3 semantics).

Each one is a thin name over ``cuflow.ops`` (mostly one fused backend kernel), so an activation
runs on whichever device its input lives on.
"""

from __future__ import annotations

from . import ops
from .tensor import Tensor


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) by default, as Keras 3: with a ``threshold``, x where x > threshold and 0
    elsewhere (x == threshold gives 0); ``negative_slope * (x - threshold)`` is added below it;
    ``max_value`` caps the positive part (which is clipped to [0, max_value])."""
    if threshold == 0.0:  # the fused kernels (relu, leaky_relu, relu6) give Keras's values here
        return ops.relu(x, negative_slope=negative_slope, max_value=max_value)
    x = ops.convert_to_tensor(x)
    zero = ops.zeros((), dtype=x.dtype)
    out = ops.where(ops.greater(x, threshold), x, zero)
    if max_value is not None:
        out = ops.clip(out, 0.0, float(max_value))
    if negative_slope != 0.0:
        out = out - negative_slope * ops.relu(threshold - x)
    return out


def relu6(x):
    """min(max(x, 0), 6)."""
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """x for x >= 0, ``negative_slope * x`` below."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, ``alpha * (exp(x) - 1)`` below."""
    return ops.elu(x, alpha=alpha)


def celu(x, alpha=1.0):
    """x for x > 0, ``alpha * (exp(x / alpha) - 1)`` below (continuously differentiable ELU)."""
    return ops.celu(x, alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants (scale 1.0507, alpha 1.6733)."""
    return ops.selu(x)


def gelu(x, approximate=False):
    """x * Phi(x); the tanh approximation when ``approximate``."""
    return ops.gelu(x, approximate=approximate)


def sigmoid(x):
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Keras 3: relu6(x + 3) / 6."""
    return ops.hard_sigmoid(x)


def hard_silu(x):
    """Keras 3: x * relu6(x + 3) / 6."""
    return ops.hard_swish(x)


def tanh(x):
    return ops.tanh(x)


def softplus(x):
    """log(1 + exp(x))."""
    return ops.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return ops.softsign(x)


def silu(x):
    """x * sigmoid(x)."""
    return ops.silu(x)


def mish(x):
    """x * tanh(softplus(x))."""
    return ops.mish(x)


def exponential(x):
    return ops.exponential(x)


def linear(x):
    """The identity: a Tensor is returned as is (any dtype), anything else becomes a Tensor."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _over_axes(fn, x, axis):
    """``fn`` (a last-axis softmax) over ``axis``: an int, a tuple of ints, or None (all)."""
    x = ops.convert_to_tensor(x)
    if axis is not None and not isinstance(axis, (list, tuple)):
        return fn(x, axis=axis)
    axes = range(x.ndim) if axis is None else axis
    axes = sorted({int(a) % max(x.ndim, 1) for a in axes})
    if len(axes) == 1:
        return fn(x, axis=axes[0])
    rest = [i for i in range(x.ndim) if i not in axes]
    perm = rest + axes
    moved = ops.transpose(x, perm) if perm != list(range(x.ndim)) else x
    lead = tuple(moved.shape[:len(rest)])
    flat = fn(ops.reshape(moved, lead + (-1,)), axis=-1)
    out = ops.reshape(flat, tuple(moved.shape))
    if perm == list(range(x.ndim)):
        return out
    inverse = [perm.index(i) for i in range(x.ndim)]
    return ops.transpose(out, inverse)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) over ``axis`` (an int, a tuple of ints, or None for all axes)."""
    return _over_axes(ops.softmax, x, axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) over ``axis`` (an int, a tuple of ints, or None for all axes)."""
    return _over_axes(ops.log_softmax, x, axis)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -ops.softplus(-linear(x))


def hard_tanh(x):
    """clip(x, -1, 1)."""
    return ops.clip(x, -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    return ops.soft_shrink(x, threshold=threshold)


def tanh_shrink(x):
    """x - tanh(x)."""
    return ops.tanh_shrink(x)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)² / 4 between -1 and 1, x from 1 on."""
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 between -1 and 1, 1 from 1 on."""
    x = ops.convert_to_tensor(x)
    return ops.clip((x + 1.0) * 0.5, 0.0, 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x² + b)) / 2, a smooth ReLU; ``b`` >= 0."""
    return ops.squareplus(x, b=b)


def threshold(x, threshold, default_value):  # noqa: A002 - Keras's argument name
    """x where x > threshold, else ``default_value``."""
    return ops.threshold(x, threshold, default_value)


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b) for the halves (a, b) of ``x`` along ``axis``."""
    return ops.glu(x, axis=axis)


def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis`` (sparse
    probabilities)."""
    return ops.sparsemax(x, axis=axis)


# Keras' alternative names: the same function objects, so serialize() gives the canonical name.
hard_swish = hard_silu
swish = silu

_ALL = {f.__name__: f for f in (
    relu, relu6, leaky_relu, elu, celu, selu, gelu, sigmoid, hard_sigmoid, hard_silu, tanh,
    softplus, softsign, silu, mish, exponential, linear, softmax, log_softmax, log_sigmoid,
    hard_tanh, hard_shrink, soft_shrink, tanh_shrink, sparse_plus, sparse_sigmoid, squareplus,
    threshold, glu, sparsemax)}
_ALIASES = {"hard_swish": hard_silu, "swish": silu}


def _valid_names():
    return sorted(set(_ALL) | set(_ALIASES))


def serialize(activation):
    """The name of a built-in activation (custom functions: their ``__name__``); None -> None."""
    if activation is None:
        return None
    name = getattr(activation, "__name__", None)
    if name is None or not callable(activation):
        raise ValueError(f"cannot serialize {activation!r} as an activation: expected a function")
    for canonical, fn in _ALL.items():
        if fn is activation:
            return canonical
    from .registration import get_registered_name

    return get_registered_name(activation) or name  # "Package>name" when registered


def deserialize(config, custom_objects=None):
    """A name (or ``{"class_name": name}``) -> the activation function."""
    if isinstance(config, dict):
        config = config.get("class_name") if config.get("class_name") != "function" \
            else config.get("config")
    fn = None
    if isinstance(config, str):
        # as Keras: custom_objects, an active custom_object_scope, registered functions, then
        # the built-ins; only objects the program itself registered are ever found
        from .registration import get_registered_object

        custom = get_registered_object(config, custom_objects)
        fn = custom if callable(custom) else _ALL.get(config) or _ALIASES.get(config)
    if fn is None:
        raise ValueError(f"Unknown activation {config!r}; valid names: "
                         f"{', '.join(_valid_names())}")
    return fn


def get(identifier):
    """None -> linear; a name or config -> that function; a callable -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier {identifier!r}: expected None, "
                     f"a callable or one of {', '.join(_valid_names())}")


__all__ = sorted([*_ALL, *_ALIASES, "deserialize", "get", "serialize"])
