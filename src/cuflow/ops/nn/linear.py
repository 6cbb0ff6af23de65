"""``dense``: ``activation(x @ kernel + bias)`` as one graph node over the backend's GEMM and its
fused bias + activation epilogue."""

from __future__ import annotations

from ...backend.names import ACTIVATIONS
from .._core import record, same_device, to_tensor


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


__all__ = [
    "dense"
]
