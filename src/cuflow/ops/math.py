"""``keras.ops.math``: segment reductions, ``top_k`` / ``in_top_k``, ``logsumexp``, ``erf`` /
``erfinv``, ``rsqrt`` and ``extract_sequences`` (framing a signal, the first step of ``stft``).

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
from ._core import check_float, const, normalize_axis, record, same_device, to_tensor
from .numpy._elementwise import _unary
from .numpy.indexing import take_along_axis
from .numpy.reductions import _expand
from .numpy.sorting import _stable_argsort

# ---- segment reductions -------------------------------------------------------------------------

def _segments(op, data, segment_ids, num_segments):
    data = to_tensor(data)
    ids = to_tensor(segment_ids, data)
    bk = same_device(op, data, ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: segment_ids must be integers; received dtype {ids.dtype}")
    if ids.ndim < 1 or ids.ndim > data.ndim or tuple(data.shape[:ids.ndim]) != ids.shape:
        if ids.ndim == 1:
            raise ValueError(f"{op}: Argument `segment_ids` and `data` should have same leading "
                             f"dimension. Received segment_ids of shape {ids.shape} and data of "
                             f"shape {data.shape}")
        raise ValueError(f"{op}: Argument `segment_ids` should be an 1-D vector, or match the "
                         f"leading dimensions of `data`; received segment_ids of shape "
                         f"{ids.shape} and data of shape {data.shape}")
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
        return const(out, bk)

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
        return const(out, bk)

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


# ---- top_k, in_top_k, logsumexp -----------------------------------------------------------------

def top_k(x, k, sorted=True):
    """(values, indices) of the ``k`` largest entries on the last axis; ties keep lower index."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError("top_k needs a tensor of rank >= 1; received a scalar")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be an int in [0, {x.shape[-1]}] for shape {x.shape}; "
                         f"received {k!r}")
    xp = x._backend.xp
    key = x.data if x.dtype.kind == "f" else x.data.astype(np.float64)  # no unsigned wrap
    order = _stable_argsort(xp, -key, -1)
    idx = const(order[..., :int(k)].astype("int64"), x._backend)
    return take_along_axis(x, idx, -1), idx


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
    return const(rank <= k, bk)


def logsumexp(x, axis=None, keepdims=False):
    """Stable log(sum(exp(x))) over ``axis`` (all axes by default, as Keras)."""
    x = to_tensor(x)
    check_float("logsumexp", x)
    axes = normalize_axis("logsumexp", axis, x.ndim)
    xp = x._backend.xp
    m = xp.amax(x.data, axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(x.data - m)
    s = xp.sum(e, axis=axes, keepdims=True)
    out_k = xp.log(s) + m
    out = out_k if keepdims else xp.squeeze(out_k, axis=axes)

    def backward(g):
        return (e / s * _expand(g, x.ndim, axes, keepdims),)

    return record(out, (x,), backward, "logsumexp")


# ---- erf, erfinv, rsqrt -------------------------------------------------------------------------

def _erf_raw(xp, x):
    if xp is np:  # NumPy has no erf; math.erf per element is exact to double precision
        # np.asarray: on a 0-d input a frompyfunc ufunc returns a Python float, not an array
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)),
                          dtype=np.float64).astype(x.dtype)
    import cupyx.scipy.special  # only reached with CuPy arrays

    return cupyx.scipy.special.erf(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
erf = _unary("erf", _erf_raw, lambda xp, x, y, g: g * _TWO_OVER_SQRT_PI * xp.exp(-x * x))


def _erfc_raw(xp, x):
    if xp is np:  # math.erfc keeps relative accuracy in the tail, where 1 - erf(x) cancels
        return np.asarray(np.frompyfunc(math.erfc, 1, 1)(x.astype(np.float64)),
                          dtype=np.float64).astype(x.dtype)
    import cupyx.scipy.special  # pragma: no cover - GPU

    return cupyx.scipy.special.erfc(x)  # pragma: no cover


erfc = _unary("erfc", _erfc_raw, lambda xp, x, y, g: -g * _TWO_OVER_SQRT_PI * xp.exp(-x * x))
erfc.__doc__ = "Complementary error function 1 - erf(x), accurate in the tails."
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


rsqrt = _unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda xp, x, y, g: -0.5 * g * y ** 3)


# ---- distances ----------------------------------------------------------------------------------

def cdist(x, y):
    """Euclidean distances between the rows of ``x`` (..., M, D) and ``y`` (..., N, D): shape
    (..., M, N). Differentiable; the gradient at a zero distance is taken as 0."""
    from .numpy.arithmetic import sqrt
    from .numpy.logic import where
    from .numpy.reductions import sum as _sum
    from .numpy.shape import expand_dims

    x, y = to_tensor(x), to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"`cdist` inputs must have rank >= 2; received shapes {x.shape} and "
                         f"{y.shape}")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"Last dimension of inputs to `cdist` must match; received shapes "
                         f"{x.shape} and {y.shape}")
    d = expand_dims(x, -2) - expand_dims(y, -3)
    sq = _sum(d * d, -1)
    zero = sq == 0
    return where(zero, 0.0, sqrt(where(zero, 1.0, sq)))


# ---- framing ------------------------------------------------------------------------------------

def _frames_raw(xp, a, length, stride):
    count = (a.shape[-1] - length) // stride + 1
    idx = xp.arange(count)[:, None] * stride + xp.arange(length)[None, :]
    return a[..., idx]


def _overlap_add_raw(xp, frames, stride, total):
    count, length = frames.shape[-2:]
    out = xp.zeros(frames.shape[:-2] + (total,), dtype=frames.dtype)
    if count <= length:
        for f in range(count):
            out[..., f * stride:f * stride + length] += frames[..., f, :]
    else:
        for j in range(length):  # one strided slice per offset: its indices are distinct
            out[..., j:j + stride * (count - 1) + 1:stride] += frames[..., :, j]
    return out


def _check_seq(op, sequence_length, sequence_stride):
    for name, v in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{op}: `{name}` must be a positive integer; received {v!r}")


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` samples along the last
    axis: (..., T) -> (..., num_sequences, sequence_length). The gradient overlap-adds."""
    x = to_tensor(x)
    _check_seq("extract_sequences", sequence_length, sequence_stride)
    if x.ndim < 1:
        raise ValueError(f"extract_sequences needs a tensor of rank >= 1; received shape "
                         f"{x.shape}")
    if x.shape[-1] < sequence_length:
        raise ValueError(f"extract_sequences: sequence_length {sequence_length} is longer than "
                         f"the last axis of shape {x.shape}")
    xp = x._backend.xp
    out = _frames_raw(xp, x.data, int(sequence_length), int(sequence_stride))
    total = x.shape[-1]
    if x.dtype.kind != "f":
        return Tensor._wrap(out, backend=x._backend)
    return record(out, (x,), lambda g: (_overlap_add_raw(xp, g, int(sequence_stride), total),),
                  "extract_sequences")


def _overlap_add(frames, stride, total):
    xp = frames._backend.xp
    out = _overlap_add_raw(xp, frames.data, stride, total)
    length = frames.shape[-1]
    return record(out, (frames,), lambda g: (_frames_raw(xp, g, length, stride),),
                  "overlap_add")


__all__ = [
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "in_top_k", "logsumexp", "rsqrt",
    "segment_max", "segment_sum", "top_k"
]
