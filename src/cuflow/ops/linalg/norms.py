"""``norm``: ``numpy.linalg.norm`` for vectors and matrices, composed from differentiable ops
(the spectral and nuclear norms from singular values)."""

from __future__ import annotations

import numpy as np

from .._core import check_float, const, normalize_axis, to_tensor
from ..numpy.arithmetic import sqrt
from ..numpy.reductions import max as reduce_max
from ..numpy.reductions import sum
from ..numpy.shape import reshape
from .decompositions import svd


def norm(x, ord=None, axis=None, keepdims=False):
    """``numpy.linalg.norm`` for vectors (any ord) and matrices (fro, nuc, +-1, +-2, +-inf)."""
    x = to_tensor(x)
    check_float("norm", x)
    from ..numpy.arithmetic import abs as _abs
    from ..numpy.arithmetic import power
    from ..numpy.reductions import min as reduce_min

    if axis is None:
        if ord is None:
            return sqrt(sum(x * x, None, keepdims))
        axes = tuple(range(x.ndim))
        if len(axes) > 2:
            raise ValueError(f"norm: ord={ord!r} needs axis for a tensor of rank {x.ndim}")
    else:
        axes = normalize_axis("norm", axis, x.ndim)
    if len(axes) == 1:
        a = axes[0]
        if ord is None or ord == 2:
            return sqrt(sum(x * x, a, keepdims))
        if ord == np.inf:
            return reduce_max(_abs(x), a, keepdims)
        if ord == -np.inf:
            return reduce_min(_abs(x), a, keepdims)
        if ord == 0:
            return sum(_nonzero(x), a, keepdims)
        if isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} is not valid for a vector norm")
        return power(sum(power(_abs(x), ord), a, keepdims), 1.0 / ord)
    if len(axes) != 2:
        raise ValueError(f"norm: axis must name one or two axes; received {axis!r}")
    r, c = axes
    if ord in (None, "fro"):
        return sqrt(sum(x * x, axes, keepdims))
    if ord in (2, -2, "nuc"):  # from the singular values
        return _matrix_norm_svd(x, ord, axes, keepdims)
    if ord in (1, -1):
        col = sum(_abs(x), r, keepdims=True)
        out = (reduce_max if ord == 1 else reduce_min)(col, c, keepdims=True)
    elif ord in (np.inf, -np.inf):
        row = sum(_abs(x), c, keepdims=True)
        out = (reduce_max if ord == np.inf else reduce_min)(row, r, keepdims=True)
    else:
        raise ValueError(f"norm: matrix ord={ord!r} is not supported (use None, 'fro', 'nuc', "
                         f"1, -1, 2, -2, inf or -inf)")
    return out if keepdims else reshape(out, tuple(s for i, s in enumerate(out.shape)
                                                   if i not in axes))


def _nonzero(x):
    return const((x.data != 0).astype(x.dtype), x._backend)


def _matrix_norm_svd(x, ord, axes, keepdims):
    """Matrix norms from singular values: ord 2 (largest), -2 (smallest), 'nuc' (sum)."""
    from ..numpy.reductions import max as reduce_max
    from ..numpy.reductions import min as reduce_min
    from ..numpy.reductions import sum as reduce_sum
    from ..numpy.shape import expand_dims, moveaxis

    r, c = axes
    xm = moveaxis(x, (r, c), (-2, -1))
    s = svd(xm, compute_uv=False)
    out = {2: reduce_max, -2: reduce_min, "nuc": reduce_sum}[ord](s, -1)
    if keepdims:
        for ax in sorted((r, c)):
            out = expand_dims(out, ax)
    return out


__all__ = [
    "norm"
]
