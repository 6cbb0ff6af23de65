"""Matrix products. Every GEMM goes through the backend (cuBLAS on the GPU)."""

from __future__ import annotations

from ._core import operands, record, unbroadcast


def _swap(xp, m):
    return xp.swapaxes(m, -1, -2)


def matmul(a, b):
    """Batched matrix product, NumPy rules: 1-D operands promoted, batch dims broadcast."""
    bk, a, b = operands("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have rank >= 1; received shapes {a.shape} and "
                         f"{b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim >= 2 else b.shape[0]
    if k_a != k_b:
        raise ValueError(f"matmul: cannot multiply shapes {a.shape} and {b.shape}: inner "
                         f"dimensions {k_a} and {k_b} differ")
    try:
        out = bk.matmul(a.data, b.data)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} cannot be "
                         f"broadcast together") from None
    xp = bk.xp

    def backward(g):
        # promote 1-D operands to matrices so one formula serves every case
        a2 = a.data[None, :] if a.ndim == 1 else a.data
        b2 = b.data[:, None] if b.ndim == 1 else b.data
        g2 = g
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        ga = gb = None
        if a.requires_grad:
            ga = bk.matmul(g2, _swap(xp, b2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if b.requires_grad:
            if a2.ndim == 2 and g2.ndim == 2:
                gb = bk.matmul(a2.T, g2)
            else:
                gb = unbroadcast(bk.matmul(_swap(xp, a2), g2), b2.shape)
            gb = gb.reshape(b.shape)
        return ga, gb

    return record(out, (a, b), backward, "matmul", bk)


def dot(a, b):
    """Alias of matmul for rank <= 2 operands (tf.tensordot-free subset)."""
    return matmul(a, b)
