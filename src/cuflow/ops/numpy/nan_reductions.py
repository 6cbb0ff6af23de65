"""Reductions that ignore NaN (``nansum`` ... ``nanquantile``), ``percentile`` and ``ptp``.

Each is composed from differentiable ops: NaNs are replaced by the reduction's identity
(0 for sums, 1 for products, -inf / +inf for extrema) through ``where``, so the gradient of a NaN
entry is 0 and every other entry gets the ordinary gradient. Keras' dtype rules: sums and products
of bool / int8 / int16 give int32 (uint8 / uint16: uint32); means, variances and quantiles of
integers give floatx(); ``nanargmax`` / ``nanargmin`` give int32 and -1 for an all-NaN slice.
"""

from __future__ import annotations

import numpy as np

from .._core import const, normalize_axis, to_tensor
from ._elementwise import to_float
from .logic import where
from .reductions import _quantile_core, cumprod, cumsum, max, min, prod, sum


def _nan_mask(x):
    xp = x._backend.xp
    return xp.isnan(x.data) if x.dtype.kind == "f" else None


def _filled(x, value):
    """``x`` with NaNs replaced by ``value`` (differentiable in the kept entries)."""
    mask = _nan_mask(x)
    if mask is None:
        return x
    return where(const(mask, x._backend), value, x)


def _small_int(x):
    """Keras' accumulation dtype for integer sums and products."""
    name = x.dtype.name
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return None


def _cast(x, dtype):
    from ...tensor import Tensor

    return Tensor._wrap(x.data.astype(dtype), backend=x._backend)


def nansum(x, axis=None, keepdims=False):
    """Sum over ``axis`` treating NaN as 0."""
    x = to_tensor(x)
    acc = _small_int(x)
    if acc:
        x = _cast(x, acc)
    out = sum(_filled(x, 0.0), axis, keepdims)
    return _cast(out, x.dtype) if out.dtype != x.dtype and x.dtype.kind != "f" else out


def nanprod(x, axis=None, keepdims=False):
    """Product over ``axis`` treating NaN as 1."""
    x = to_tensor(x)
    acc = _small_int(x)
    if acc:
        x = _cast(x, acc)
    out = prod(_filled(x, 1.0), axis, keepdims)
    return _cast(out, x.dtype) if x.dtype.kind in "iu" and out.dtype != x.dtype else out


def _count(x, axis, keepdims):
    xp = x._backend.xp
    mask = _nan_mask(x)
    axes = normalize_axis("nanmean", axis, x.ndim)
    valid = ~mask if mask is not None else xp.ones(x.shape, dtype=bool)
    return const(valid.sum(axis=axes, keepdims=keepdims).astype(x.dtype), x._backend)


def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN entries over ``axis`` (NaN where a slice holds only NaN)."""
    x = to_float(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum(_filled(x, 0.0), axis, keepdims) / _count(x, axis, keepdims)


def nanvar(x, axis=None, keepdims=False):
    """Population variance of the non-NaN entries over ``axis``."""
    x = to_float(x)
    m = nanmean(x, axis, keepdims=True)
    d = _filled(x - m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum(d * d, axis, keepdims) / _count(x, axis, keepdims)


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation of the non-NaN entries over ``axis``."""
    from .arithmetic import sqrt

    return sqrt(nanvar(x, axis, keepdims))


def _all_nan(x, axis, keepdims):
    mask = _nan_mask(x)
    if mask is None:
        return None
    axes = normalize_axis("nan", axis, x.ndim)
    return mask.all(axis=axes, keepdims=keepdims)


def _nan_extremum(op, reduce, fill):
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        out = reduce(_filled(x, fill), axis, keepdims)
        empty = _all_nan(x, axis, keepdims)
        if empty is None or not bool(empty.any()):
            return out
        return where(const(empty, x._backend), float("nan"), out)

    fn.__name__ = op
    fn.__doc__ = f"``{reduce.__name__}`` over ``axis`` ignoring NaN (NaN for an all-NaN slice)."
    return fn


nanmax = _nan_extremum("nanmax", max, -np.inf)
nanmin = _nan_extremum("nanmin", min, np.inf)


def _nan_arg(op, fill):
    def fn(x, axis=None, keepdims=False):
        x = to_tensor(x)
        xp = x._backend.xp
        data = x.data
        if axis is not None:
            (axis,) = normalize_axis(op, axis, x.ndim)
        mask = _nan_mask(x)
        if mask is not None:
            data = xp.where(mask, fill, data)
        out = getattr(xp, op[3:])(data, axis=axis, keepdims=keepdims).astype(np.int32)
        if mask is not None:
            empty = mask.all(axis=axis, keepdims=keepdims)
            out = xp.where(empty, -1, out).astype(np.int32)
        return const(out, x._backend)

    fn.__name__ = op
    fn.__doc__ = f"Index of the {op[6:]}imum over ``axis`` ignoring NaN (int32; -1 for an " \
                 f"all-NaN slice)."
    return fn


nanargmax = _nan_arg("nanargmax", -np.inf)
nanargmin = _nan_arg("nanargmin", np.inf)


def _scan_dtype(x, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    return np.dtype("int32") if x.dtype.kind == "b" else None


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum treating NaN as 0."""
    x = to_tensor(x)
    return cumsum(_filled(x, 0.0), axis, _scan_dtype(x, dtype))


def nancumprod(x, axis=None, dtype=None):
    """Cumulative product treating NaN as 1."""
    x = to_tensor(x)
    return cumprod(_filled(x, 1.0), axis, _scan_dtype(x, dtype))


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` of the non-NaN entries (NaN for an all-NaN slice)."""
    return _quantile_core("nanquantile", x, q, axis, method, keepdims, skip_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """``nanquantile`` with ``q`` in percent."""
    return nanquantile(x, _percent(x, q), axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """Median of the non-NaN entries over ``axis``."""
    return nanquantile(x, 0.5, axis, "linear", keepdims)


def _percent(x, q):
    from ...tensor import Tensor

    if isinstance(q, Tensor):
        return q / 100.0
    return np.asarray(q, dtype=np.float64) / 100.0


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` with ``q`` in percent (0 to 100)."""
    return _quantile_core("percentile", x, _percent(x, q), axis, method, keepdims)


def ptp(x, axis=None, keepdims=False):
    """Range (maximum - minimum) over ``axis``."""
    x = to_tensor(x)
    return max(x, axis, keepdims) - min(x, axis, keepdims)


__all__ = [
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
    "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
    "percentile", "ptp"
]
