"""NumPy's splitting and stacking helpers: array_split, hsplit / vsplit / dsplit, flipud /
fliplr, dstack. All are gathers or concatenations, so gradients route back."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor
from .._core import single_axis, to_tensor
from .indexing import getitem
from .rearranging import flip
from .shape import concatenate, reshape


def _bounds(op, n, indices_or_sections, even):
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(
            indices_or_sections, bool):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"{op}: the number of sections must be > 0; received {k}")
        if even and n % k:
            raise ValueError(f"{op}: array split does not result in an equal division (axis "
                             f"size {n} into {k} sections)")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        return np.cumsum([0] + sizes).tolist()
    cuts = [min(max(int(i) if i >= 0 else n + int(i), 0), n) for i in indices_or_sections]
    return [0] + cuts + [n]


def _split(op, x, indices_or_sections, axis, even):
    x = to_tensor(x)
    ax = single_axis(op, axis, x.ndim)
    b = _bounds(op, x.shape[ax], indices_or_sections, even)
    pre = (slice(None),) * ax
    return [getitem(x, pre + (slice(lo, max(lo, hi)),)) for lo, hi in zip(b[:-1], b[1:])]


def array_split(x, indices_or_sections, axis=0):
    """Split into ``indices_or_sections`` parts (the first ``n % k`` one longer) or at the given
    indices, as ``numpy.array_split``."""
    return _split("array_split", x, indices_or_sections, axis, even=False)


def _need_rank(op, x, rank):
    x = to_tensor(x)
    if x.ndim < rank:
        raise ValueError(f"{op} needs a tensor of rank >= {rank}; received shape {x.shape}")
    return x


def hsplit(x, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-D tensors), in equal parts or at indices."""
    x = _need_rank("hsplit", x, 1)
    return _split("hsplit", x, indices_or_sections, 1 if x.ndim > 1 else 0, even=True)


def vsplit(x, indices_or_sections):
    """Split along axis 0 of a tensor of rank >= 2."""
    return _split("vsplit", _need_rank("vsplit", x, 2), indices_or_sections, 0, even=True)


def dsplit(x, indices_or_sections):
    """Split along axis 2 of a tensor of rank >= 3."""
    return _split("dsplit", _need_rank("dsplit", x, 3), indices_or_sections, 2, even=True)


def flipud(x):
    """Reverse axis 0."""
    return flip(_need_rank("flipud", x, 1), 0)


def fliplr(x):
    """Reverse axis 1 (rank >= 2)."""
    return flip(_need_rank("fliplr", x, 2), 1)


def dstack(xs):
    """Stack along a third axis: 1-D (N,) becomes (1, N, 1), 2-D (M, N) becomes (M, N, 1)."""
    parts = []
    for x in xs:
        x = to_tensor(x)
        if x.ndim == 0:
            x = reshape(x, (1, 1, 1))
        elif x.ndim == 1:
            x = reshape(x, (1, x.shape[0], 1))
        elif x.ndim == 2:
            x = reshape(x, x.shape + (1,))
        parts.append(x)
    return concatenate(parts, axis=2)


__all__ = ["array_split", "dsplit", "dstack", "fliplr", "flipud", "hsplit", "vsplit"]
