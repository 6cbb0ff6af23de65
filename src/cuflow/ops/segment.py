"""``keras.ops`` math: segment reductions, ``in_top_k`` and ``erfinv``.

- ``segment_sum`` / ``segment_max``: rows of ``data`` grouped by ``segment_ids`` (N-D ids match
  ``data``'s leading dimensions); negative ids are dropped (as Keras' NumPy and TF backends), ids
  >= ``num_segments`` are an error. Empty segments hold 0 (sum) or the dtype's lowest value, -inf
  for floats (max). The sum's gradient gathers; the max's goes to the first maximal element of
  each segment (per trailing position), the others get 0.
- ``erfinv``: on CuPy ``cupyx.scipy.special.erfinv``; on NumPy (which has none) Giles' (2010)
  single-precision approximation refined by Newton steps on erf (erfc for |y| > 0.5, so the tails
  keep relative accuracy): float64-accurate. Gradient sqrt(pi)/2 * exp(erfinv(x)^2).
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._core import check_float, record, same_device, to_tensor


def _const(arr, bk):
    return Tensor._wrap(arr, backend=bk)


# ---- segment reductions -------------------------------------------------------------------------

def _segments(op, data, segment_ids, num_segments):
    data = to_tensor(data)
    ids = to_tensor(segment_ids, data)
    bk = same_device(op, data, ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: segment_ids must be integers; received dtype {ids.dtype}")
    if ids.ndim < 1 or ids.ndim > data.ndim or tuple(data.shape[:ids.ndim]) != ids.shape:
        raise ValueError(f"{op}: segment_ids of shape {ids.shape} must match the leading "
                         f"dimensions of data of shape {data.shape}")
    xp = bk.xp
    flat_ids = ids.data.reshape(-1).astype(np.int64)
    hi = int(flat_ids.max()) if flat_ids.size else -1  # one host read: validation before use
    if num_segments is None:
        num_segments = hi + 1
    elif (not isinstance(num_segments, (int, np.integer)) or isinstance(num_segments, bool)
          or num_segments < 0):
        raise ValueError(f"{op}: num_segments must be a non-negative int or None; received "
                         f"{num_segments!r}")
    elif hi >= num_segments:
        raise ValueError(f"{op}: segment id {hi} is out of range for num_segments="
                         f"{num_segments}")
    rows = data.data.reshape((-1,) + tuple(data.shape[ids.ndim:]))
    valid = flat_ids >= 0
    return bk, xp, data, int(max(num_segments, 0)), rows, flat_ids, valid


def _scatter(xp, how, target, idx, values):
    if xp is np:
        getattr(np, how).at(target, idx, values)
    else:  # pragma: no cover - GPU
        import cupyx

        {"add": cupyx.scatter_add, "maximum": cupyx.scatter_max,
         "minimum": cupyx.scatter_min}[how](target, idx, values)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of ``data`` rows per segment: shape (num_segments,) + data.shape[ids.ndim:].
    ``sorted`` is accepted for Keras compatibility (the result does not depend on it)."""
    bk, xp, data, ns, rows, ids, valid = _segments("segment_sum", data, segment_ids,
                                                   num_segments)
    out = xp.zeros((ns,) + rows.shape[1:], dtype=data.dtype)
    safe = xp.where(valid, ids, 0)
    vals = xp.where(valid.reshape((-1,) + (1,) * (rows.ndim - 1)), rows, 0).astype(data.dtype)
    if ns:
        _scatter(xp, "add", out, safe, vals)
    if data.dtype.kind != "f":
        return _const(out, bk)

    def backward(g):
        mask = valid.reshape((-1,) + (1,) * (rows.ndim - 1))
        gathered = g[safe] if ns else xp.zeros_like(rows)
        return (xp.where(mask, gathered, 0).astype(data.dtype).reshape(data.shape),)

    return record(out, (data,), backward, "segment_sum", bk)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of ``data`` rows per segment; empty segments hold -inf (floats) or the dtype's
    minimum (integers). ``sorted`` is accepted for Keras compatibility."""
    bk, xp, data, ns, rows, ids, valid = _segments("segment_max", data, segment_ids,
                                                   num_segments)
    dt = data.dtype
    low = -np.inf if dt.kind == "f" else np.iinfo(dt).min
    out = xp.full((ns,) + rows.shape[1:], low, dtype=dt)
    bshape = (-1,) + (1,) * (rows.ndim - 1)
    mask = valid.reshape(bshape)
    safe = xp.where(valid, ids, 0)
    if ns:
        _scatter(xp, "maximum", out, safe, xp.where(mask, rows, low).astype(dt))
    if dt.kind != "f":
        return _const(out, bk)

    def backward(g):
        if not ns:
            return (xp.zeros(data.shape, dtype=dt),)
        hit = (rows == out[safe]) & mask
        n = rows.shape[0]
        pos = xp.broadcast_to(xp.arange(n).reshape(bshape), rows.shape)
        cand = xp.where(hit, pos, n)
        first = xp.full(out.shape, n, dtype=cand.dtype)
        _scatter(xp, "minimum", first, safe, cand)
        win = hit & (pos == first[safe])
        return (xp.where(win, g[safe], 0).astype(dt).reshape(data.shape),)

    return record(out, (data,), backward, "segment_max", bk)


# ---- in_top_k -----------------------------------------------------------------------------------

def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the ``k`` largest of its row (bool, shape
    targets.shape). Ties count in: the rank is 1 + the number of strictly larger predictions
    (as Keras/TF); a NaN prediction for the target is never in."""
    predictions = to_tensor(predictions)
    targets = to_tensor(targets, predictions)
    bk = same_device("in_top_k", predictions, targets)
    if targets.dtype.kind not in "iu":
        raise TypeError(f"in_top_k: targets must be integers; received dtype {targets.dtype}")
    if predictions.ndim < 1 or targets.shape != predictions.shape[:-1]:
        raise ValueError(f"in_top_k: targets of shape {targets.shape} must match predictions of "
                         f"shape {predictions.shape} without its last dimension")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise ValueError(f"in_top_k: k must be an int; received {k!r}")
    xp = bk.xp
    c = predictions.shape[-1]
    t = targets.data.astype(np.int64)
    if t.size and (int(t.min()) < 0 or int(t.max()) >= c):
        raise IndexError(f"in_top_k: target {int(t.min()) if int(t.min()) < 0 else int(t.max())}"
                         f" is out of range for {c} classes")
    p = predictions.data
    at = xp.take_along_axis(p, t[..., None], axis=-1)
    if p.dtype.kind == "f":
        at = xp.where(xp.isnan(at), -np.inf, at)
    rank = 1 + (p > at).sum(axis=-1)
    return _const(rank <= k, bk)


# ---- erfinv -------------------------------------------------------------------------------------

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _horner(coeffs, w):
    p = np.full_like(w, coeffs[0])
    for c in coeffs[1:]:
        p = c + p * w
    return p


def _erfinv_numpy(y):
    y64 = np.asarray(y, dtype=np.float64)
    a = np.abs(y64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - a) * (1.0 + a))
        central = _horner(_GILES_CENTRAL, w - 2.5)
        tail = _horner(_GILES_TAIL, np.sqrt(w) - 3.0)
        x = np.where(w < 5.0, central, tail) * a
        erf = np.frompyfunc(math.erf, 1, 1)
        erfc = np.frompyfunc(math.erfc, 1, 1)
        inner = a <= 0.5
        ok = a < 1.0
        xs = np.where(ok, x, 0.0)
        # Newton, quadratic: three steps from Giles' ~1e-7 reach rounding; a few more where the
        # far tail (1 - |y| < ~1e-8, outside his single-precision fit) starts further off
        for _ in range(12):
            f = np.where(inner, np.asarray(erf(xs), dtype=np.float64) - a,
                         (1.0 - a) - np.asarray(erfc(xs), dtype=np.float64))
            step = f / (2.0 / math.sqrt(math.pi) * np.exp(-xs * xs))
            xs = xs - step
            if not np.any(np.abs(step) > 1e-16 * np.abs(xs)):
                break
        out = np.where(ok, xs, np.where(a == 1.0, np.inf, np.nan))
    return np.copysign(out, y64)


def _erfinv_raw(xp, x):
    if xp is np:
        return _erfinv_numpy(x).astype(x.dtype)
    import cupyx.scipy.special  # pragma: no cover - GPU

    return cupyx.scipy.special.erfinv(x)  # pragma: no cover


def erfinv(x):
    """Inverse error function, element-wise (NaN outside [-1, 1], +-inf at +-1)."""
    x = to_tensor(x)
    if x.dtype.kind in "iub":
        x = Tensor._wrap(x.data.astype(np.float32), backend=x._backend)
    check_float("erfinv", x)
    xp = x._backend.xp
    y = _erfinv_raw(xp, x.data)
    return record(y, (x,), lambda g: (g * _SQRT_PI_OVER_2 * xp.exp(y * y),), "erfinv")
