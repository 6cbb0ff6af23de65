"""Rearranging through gathers: split, flip, roll, repeat, rot90 (gradients route back)."""

from __future__ import annotations

import builtins

import numpy as np

from ...tensor import Tensor
from .._core import is_int, normalize_axis, record, single_axis, to_tensor
from .creation import copy
from .indexing import getitem
from .shape import reshape, swapaxes


def split(x, indices_or_sections, axis=0):
    """``numpy.split`` (as Keras): an int splits into that many equal parts; a list gives the
    indices where the axis is cut (pieces may be empty)."""
    x = to_tensor(x)
    (ax,) = normalize_axis("split", axis, x.ndim)
    n = x.shape[ax]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: cannot split axis {axis} of size {n} into {k} equal parts")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        cuts = [builtins.min(builtins.max(int(i) + n if int(i) < 0 else int(i), 0), n)
                for i in indices_or_sections]
        bounds = [0] + cuts + [n]
    outs = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index = [slice(None)] * x.ndim
        index[ax] = slice(lo, builtins.max(lo, hi))
        outs.append(getitem(x, tuple(index)))
    return outs


def flip(x, axis=None):
    x = to_tensor(x)
    axes = normalize_axis("flip", axis, x.ndim)
    return getitem(x, tuple(builtins.slice(None, None, -1) if i in axes else builtins.slice(None)
                            for i in range(x.ndim)))


def roll(x, shift, axis=None):
    x = to_tensor(x)
    xp = x._backend.xp
    if isinstance(shift, Tensor):
        shift = shift.tolist()
    shifts = shift if isinstance(shift, (tuple, list)) else [shift]
    if not builtins.all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                        for s in shifts):
        raise TypeError(f"roll: shift must be an int or a tuple of ints; received {shift!r}")
    if axis is not None:
        axis = normalize_axis("roll", axis, x.ndim)
        axis = axis if isinstance(shift, (tuple, list)) or len(axis) > 1 else axis[0]
    out = xp.roll(x.data, shift, axis=axis)
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return record(out, (x,), lambda g: (xp.roll(g, back, axis=axis),), "roll")


def repeat(x, repeats, axis=None):
    """``numpy.repeat``; a gather under the hood, so the gradient sums the copies."""
    x = to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    ax = single_axis("repeat", axis, x.ndim)
    reps = repeats.numpy() if isinstance(repeats, Tensor) else np.asarray(repeats)
    if (reps < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative; received {repeats!r}")
    idx = np.repeat(np.arange(x.shape[ax]), reps)  # small host index vector, moved by getitem
    return getitem(x, (builtins.slice(None),) * ax + (idx,))


def rot90(array, k=1, axes=(0, 1)):  # noqa: A002 - Keras' argument name
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards the
    second), ``numpy.rot90``."""
    x = to_tensor(array)
    if x.ndim < 2:
        raise ValueError(f"rot90 needs a tensor of rank >= 2; received shape {x.shape}")
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes; received {axes!r}")
    a0, a1 = normalize_axis("rot90", tuple(axes), x.ndim)
    if not is_int(k):
        raise TypeError(f"rot90: k must be an int; received {k!r}")
    k = int(k) % 4
    if k == 0:
        return copy(x)
    if k == 2:
        return flip(x, (a0, a1))
    if k == 1:
        return swapaxes(flip(x, a1), a0, a1)
    return flip(swapaxes(x, a0, a1), a1)


__all__ = [
    "flip", "repeat", "roll", "rot90", "split"
]
