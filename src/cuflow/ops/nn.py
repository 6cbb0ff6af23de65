"""Neural-network ops over the backend's kernels: activations, softmax, dense, dropout."""

from __future__ import annotations

from .. import autodiff
from ..backend.names import ACTIVATIONS
from ..tensor import Tensor
from ._core import check_float, record, same_device, to_tensor


def activation(x, name, alpha=None):
    """Apply the elementwise activation ``name`` (one fused kernel forward and one backward)."""
    x = to_tensor(x)
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


relu_plain = _named("relu")
relu6 = _named("relu6")
selu = _named("selu")
sigmoid = _named("sigmoid")
hard_sigmoid = _named("hard_sigmoid")
hard_swish = _named("hard_swish")
tanh = _named("tanh")
softplus = _named("softplus")
softsign = _named("softsign")
silu = swish = _named("silu")
mish = _named("mish")
exponential = _named("exponential")


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu: plain ReLU by default; slope / cap / threshold compose from other ops."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return activation(x, "relu")
    if threshold == 0.0 and max_value is None:
        return activation(x, "leaky_relu", negative_slope)
    if threshold == 0.0 and max_value == 6.0 and negative_slope == 0.0:
        return activation(x, "relu6")
    from .elementwise import minimum, where

    x = to_tensor(x)
    y = where(x >= threshold, x, (x - threshold) * negative_slope)
    return minimum(y, max_value) if max_value is not None else y


def leaky_relu(x, negative_slope=0.2):
    return activation(x, "leaky_relu", negative_slope)


def elu(x, alpha=1.0):
    return activation(x, "elu", alpha)


def gelu(x, approximate=False):
    return activation(x, "gelu_tanh" if approximate else "gelu")


def _last_axis_op(op, fwd, bwd):
    def fn(x, axis=-1):
        x = to_tensor(x)
        check_float(op, x)
        if x.ndim == 0:
            raise ValueError(f"{op} needs a tensor of rank >= 1; received a scalar")
        if axis not in (-1, x.ndim - 1):
            from .shape import transpose

            perm = list(range(x.ndim))
            perm[axis], perm[-1] = perm[-1], perm[axis]
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


softmax = _last_axis_op("softmax", "softmax_forward", "softmax_backward")
log_softmax = _last_axis_op("log_softmax", "log_softmax_forward", "log_softmax_backward")


def dense(x, kernel, bias=None, activation_name=None):
    """``activation(x @ kernel + bias)`` as one graph node: one GEMM forward, two backward.

    Fusing keeps Dense at a single autodiff node, which matters on the CPU where per-node Python
    overhead is a large part of a small model's step, and gives the GPU one place to fuse the
    bias + activation epilogue.
    """
    x = to_tensor(x)
    kernel = to_tensor(kernel)
    ins = (x, kernel) if bias is None else (x, kernel, to_tensor(bias))
    bk = same_device("dense", *ins)
    if x.ndim < 1 or x.shape[-1] != kernel.shape[0]:
        raise ValueError(f"dense: input of shape {x.shape} does not match kernel of shape "
                         f"{kernel.shape} (last input dimension must be {kernel.shape[0]})")
    name = activation_name or "linear"
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; valid names: {', '.join(ACTIVATIONS)}")
    x2 = x.data.reshape(-1, x.shape[-1]) if x.ndim != 2 else x.data
    z = bk.matmul(x2, kernel.data)
    if bias is None:
        pre, y = z, (z if name == "linear" else bk.activation_forward(name, z, None))
    else:
        b = ins[2].data
        # the epilogue wants one dtype; z's wins, as it did for the in-place z += bias
        b = b if b.dtype == z.dtype else b.astype(z.dtype)
        # one pass (one kernel on the GPU): pre = z + b, y = f(pre); pre is None when the
        # backward reads only y (relu, sigmoid, tanh ...), so only y stays alive
        pre, y = bk.bias_activation_forward(name, z, b, None)
    out_shape = x.shape[:-1] + (kernel.shape[1],)

    def backward(g):
        g2 = g.reshape(-1, kernel.shape[1])
        gb = None
        if bias is not None:
            g2, gb = bk.bias_activation_backward(name, pre, y, g2, None,
                                                 ins[2].requires_grad)
        elif name != "linear":
            g2 = bk.activation_backward(name, pre, y, g2, None)
        gx = bk.matmul(g2, kernel.data.T).reshape(x.shape) if x.requires_grad else None
        gk = bk.matmul(x2.T, g2) if kernel.requires_grad else None
        return (gx, gk) if bias is None else (gx, gk, gb)

    return record(y.reshape(out_shape), ins, backward, "dense", bk)


def dropout(x, rate, training=True, noise_shape=None, seed=None):
    """Inverted dropout: zero a fraction ``rate`` of entries, scale the rest by 1/(1-rate)."""
    x = to_tensor(x)
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1); received {rate!r}")
    if not training or rate == 0.0:
        return x
    check_float("dropout", x)
    bk = x._backend
    shape = x.shape if noise_shape is None else tuple(
        s if n is None else n for s, n in zip(x.shape, noise_shape))
    # counter-based draw from the backend's [seed, counter] state: same masks on CPU and GPU,
    # and fresh masks on every replay of a captured CUDA graph (the counter lives on the device)
    u = bk.random_uniform_counter(shape, x.dtype, bk.rng_state)
    keep = (u >= rate).astype(x.dtype) * (1.0 / (1.0 - rate))
    keep = keep.astype(x.dtype, copy=False)
    out = x.data * keep
    return record(out, (x,), lambda g: (g * keep,), "dropout", bk)


def stop_gradient(x):
    x = to_tensor(x)
    return Tensor._wrap(x.data, backend=x._backend)


__all__ = ["ACTIVATIONS", "activation", "autodiff"]
