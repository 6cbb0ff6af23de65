"""Counting and binning: bincount, digitize, histogram (not differentiable).

``bincount`` without a ``minlength`` covering the maximum and ``histogram`` with ``range=None``
read a value back to the host: their output shape depends on the data."""

from __future__ import annotations

import builtins

import numpy as np

from .._core import const, is_int, to_tensor
from .bitwise import _ints


def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in ``x`` (rank 1, or rank 2: one count row per row).

    The output length is ``max(max(x) + 1, minlength)``: data-dependent, so the maximum is read
    back to the host. With ``weights`` the counts are weight sums (weights' dtype), else int32.
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported by cuflow (dense tensors only)")
    x = to_tensor(x)
    _ints("bincount", x)
    if x.ndim not in (1, 2):
        raise ValueError(f"bincount: x must be rank 1 or 2; received shape {x.shape}")
    if not is_int(minlength) or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int; received "
                         f"{minlength!r}")
    bk, xp = x._backend, x._backend.xp
    data = x.data.astype(np.int64)
    if data.size and int(data.min()) < 0:
        raise ValueError(f"bincount: x must be non-negative; received a minimum of "
                         f"{int(data.min())}")
    length = builtins.max(int(minlength), (int(data.max()) + 1) if data.size else 0)
    w = None
    if weights is not None:
        w = to_tensor(weights, x)
        if w.shape != x.shape:
            raise ValueError(f"bincount: weights of shape {w.shape} must match x of shape "
                             f"{x.shape}")
        w = w.data
    if x.ndim == 1:
        out = xp.bincount(data, weights=w, minlength=length)
    else:
        rows = x.shape[0]
        flat = (data + xp.arange(rows, dtype=np.int64)[:, None] * length).reshape(-1)
        out = xp.bincount(flat, weights=None if w is None else w.reshape(-1),
                          minlength=rows * length).reshape(rows, length)
    out = out.astype(w.dtype if w is not None else np.int32)
    return const(out, bk)


def digitize(x, bins):
    """Index of the bin each value of ``x`` falls in (``numpy.digitize``, right=False; int32)."""
    x = to_tensor(x)
    b = to_tensor(bins, x)
    if b.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D; received shape {b.shape}")
    return const(x._backend.xp.digitize(x.data, b.data).astype(np.int32), x._backend)


def histogram(x, bins=10, range=None):  # noqa: A002 - Keras' argument name
    """(counts, bin_edges) of the 1-D ``x`` over ``bins`` equal bins spanning ``range``.

    ``range=None`` uses (min(x), max(x)), read back to the host (the edges are data-dependent).
    Counts are int32, edges ``x``'s floating dtype (float32 for integer ``x``).
    """
    x = to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: Input tensor must be 1-dimensional; received shape "
                         f"{x.shape}")
    if not is_int(bins) or bins < 1:
        raise ValueError(f"histogram: Argument `bins` should be a non-negative integer (at least "
                         f"1); received bins={bins!r}")
    if range is not None:
        if len(range) != 2:
            raise ValueError(f"histogram: Argument `range` must be a tuple of two elements; "
                             f"received range={range!r}")
        if not range[0] <= range[1]:
            raise ValueError(f"histogram: The second element of `range` must be greater than "
                             f"the first; received range={range!r}")
        range = (float(range[0]), float(range[1]))
    xp = x._backend.xp
    counts, edges = xp.histogram(x.data, bins=int(bins), range=range)
    dt = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
    return const(counts.astype(np.int32), x._backend), const(edges.astype(dt), x._backend)


__all__ = [
    "bincount", "digitize", "histogram"
]
