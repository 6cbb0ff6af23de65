"""Class encodings: one_hot and multi_hot (not differentiable)."""

from __future__ import annotations

from .._core import const, to_tensor


def class_indices(op, x, num_classes):
    """``(x as an integer Tensor, num_classes as an int)`` checked for ``op``: integer dtype,
    a positive class count, every index below it (one host read of the maximum)."""
    x = to_tensor(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{op}: inputs must hold integers; received dtype {x.dtype}")
    n = int(num_classes)
    if n <= 0:
        raise ValueError(f"{op}: num_classes must be positive; received {num_classes!r}")
    if x.size and int(x.data.max()) >= n:
        raise ValueError(f"{op}: index {int(x.data.max())} is out of range for "
                         f"num_classes={n}")
    return x, n


def one_hot(x=None, num_classes=None, axis=-1, dtype=None, sparse=False, *, indices=None,
            depth=None):
    """Keras 3 ``one_hot(x, num_classes)``; ``one_hot(indices, depth)`` (TF names) also works.

    Negative indices give an all-zero row (as Keras); indices >= num_classes are an error.
    """
    x = indices if x is None else x
    num_classes = depth if num_classes is None else num_classes
    if x is None or num_classes is None:
        raise TypeError("one_hot needs x and num_classes, e.g. one_hot(labels, 10)")
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported by cuflow")
    from ...memory import check_allocation

    x, n = class_indices("one_hot", x, num_classes)
    xp = x._backend.xp
    check_allocation(x.shape + (n,), dtype or "float32", "one_hot", x.device)
    check_allocation((n,), "int64", "one_hot", x.device)
    out = (x.data[..., None] == xp.arange(n)).astype(dtype or "float32")
    if axis not in (-1, x.ndim):
        out = xp.moveaxis(out, -1, axis)
    return const(out, x._backend)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at every class listed in each row of ``inputs`` (rank 1: one row), as Keras.

    ``num_tokens`` is accepted as the older name of ``num_classes``; negative indices are
    ignored (as Keras' one_hot); indices >= num_classes are an error.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected arguments {sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported by cuflow")
    x, n = class_indices("multi_hot", inputs, num_classes)
    xp = x._backend.xp
    hot = x.data[..., None] == xp.arange(n)
    out = hot.any(axis=1 if x.ndim > 1 else 0)
    if axis not in (-1, out.ndim - 1):
        out = xp.moveaxis(out, -1, axis)
    return const(out.astype(dtype or "float32"), x._backend)


__all__ = [
    "multi_hot", "one_hot"
]
