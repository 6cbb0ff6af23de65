"""More of ``keras.ops.numpy``: partition/search/count ops, bitwise ops, quantiles, kron, rot90...

Keras 3 names, signatures and semantics. Differentiable ops compose existing differentiable ops
(their gradients come for free and stay exact) or record their own backward over raw arrays.
Everything runs through the operand's backend ``xp`` (NumPy or CuPy). Ops whose *output shape*
depends on the data (``nonzero``, ``bincount`` without ``minlength`` covering the maximum,
``histogram`` with ``range=None``) read a value back to the host; they say so in their docstring.

cuflow has no complex dtype: ``conj``/``real`` are the identity on real tensors, ``imag`` gives
zeros, and complex inputs are refused with a TypeError.
"""

from __future__ import annotations

import builtins
import re

import numpy as np

from ..tensor import Tensor
from ._core import check_float, normalize_axis, operands, record, to_tensor
from .elementwise import where
from .reductions import sum as reduce_sum
from .shape import getitem, reshape, stack, transpose


def _const(out, bk):
    return Tensor._wrap(out, backend=bk)


def _axis1(op, axis, ndim):
    return normalize_axis(op, axis, ndim)[0]


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


# ---- partition, search, count -------------------------------------------------------------------

def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` element along ``axis`` (int64)."""
    x = to_tensor(x)
    if x.ndim == 0:
        raise ValueError("argpartition needs a tensor of rank >= 1; received a scalar")
    ax = _axis1("argpartition", axis, x.ndim)
    n = x.shape[ax]
    kths = list(kth) if isinstance(kth, (list, tuple)) else [kth]
    for k in kths:
        if not _is_int(k) or not -n <= k < n:
            raise ValueError(f"argpartition: kth={kth!r} is out of range for axis {axis} of "
                             f"size {n}")
    out = x._backend.xp.argpartition(x.data, kth, axis=ax)
    return _const(out.astype("int64"), x._backend)


def _ints(op, x, name="x"):
    if x.dtype.kind not in "biu":
        raise TypeError(f"{op}: {name} must hold integers; received dtype {x.dtype}")


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
    if not _is_int(minlength) or minlength < 0:
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
    return _const(out, bk)


def digitize(x, bins):
    """Index of the bin each value of ``x`` falls in (``numpy.digitize``, right=False; int32)."""
    x = to_tensor(x)
    b = to_tensor(bins, x)
    if b.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D; received shape {b.shape}")
    return _const(x._backend.xp.digitize(x.data, b.data).astype(np.int32), x._backend)


def searchsorted(sorted_sequence, values, side="left"):
    """Insertion indices of ``values`` into the 1-D ascending ``sorted_sequence`` (int64)."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right'; received {side!r}")
    s = to_tensor(sorted_sequence)
    v = to_tensor(values, s)
    if s.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D; received shape {s.shape}")
    return _const(s._backend.xp.searchsorted(s.data, v.data, side=side).astype(np.int64),
                  s._backend)


def histogram(x, bins=10, range=None):  # noqa: A002 - Keras' argument name
    """(counts, bin_edges) of the 1-D ``x`` over ``bins`` equal bins spanning ``range``.

    ``range=None`` uses (min(x), max(x)), read back to the host (the edges are data-dependent).
    Counts are int32, edges ``x``'s floating dtype (float32 for integer ``x``).
    """
    x = to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D; received shape {x.shape}")
    if not _is_int(bins) or bins < 1:
        raise ValueError(f"histogram: bins must be a positive int; received {bins!r}")
    if range is not None:
        if len(range) != 2 or not range[0] <= range[1]:
            raise ValueError(f"histogram: range must be (min, max) with min <= max; received "
                             f"{range!r}")
        range = (float(range[0]), float(range[1]))
    xp = x._backend.xp
    counts, edges = xp.histogram(x.data, bins=int(bins), range=range)
    dt = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
    return _const(counts.astype(np.int32), x._backend), _const(edges.astype(dt), x._backend)


def nonzero(x):
    """A tuple of int64 index tensors, one per axis, of the non-zero entries (row-major order).

    The number of entries depends on the data, so on the GPU this synchronises with the host and
    cannot be captured in a CUDA graph.
    """
    x = to_tensor(x)
    return tuple(_const(i.astype(np.int64), x._backend) for i in x._backend.xp.nonzero(x.data))


# ---- bitwise ------------------------------------------------------------------------------------

def _bitwise(op, fn, arity=2):
    def bitwise(x, y=None):
        if arity == 1:
            x = to_tensor(x)
            _ints(op, x)
            return _const(fn(x._backend.xp, x.data), x._backend)
        bk, a, b = operands(op, x, y)
        _ints(op, a, "x")
        _ints(op, b, "y")
        try:
            out = fn(bk.xp, a.data, b.data)
        except ValueError:
            raise ValueError(f"{op}: operands of shapes {a.shape} and {b.shape} cannot be "
                             f"broadcast together") from None
        return _const(out, bk)

    bitwise.__name__ = op
    bitwise.__doc__ = f"Elementwise ``{op}`` of integer or bool tensors."
    return bitwise


bitwise_and = _bitwise("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b))
bitwise_or = _bitwise("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b))
bitwise_xor = _bitwise("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b))
bitwise_not = _bitwise("bitwise_not", lambda xp, a: xp.invert(a), 1)
bitwise_invert = bitwise_not
bitwise_left_shift = _bitwise("bitwise_left_shift", lambda xp, a, b: xp.left_shift(a, b))
bitwise_right_shift = _bitwise("bitwise_right_shift", lambda xp, a, b: xp.right_shift(a, b))
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


# ---- complex parts on a real-only framework -----------------------------------------------------

def _real_only(op, x):
    if isinstance(x, Tensor):
        return x
    if np.iscomplexobj(x) or isinstance(x, complex):
        raise TypeError(f"{op}: cuflow has no complex dtype; received a complex input "
                        f"(dtype {np.asarray(x).dtype})")
    return to_tensor(x)


def _identity(op, x):
    x = _real_only(op, x)
    return record(x.data.copy(), (x,), lambda g: (g,), op)


def conj(x):
    """The complex conjugate: the identity (a copy) on cuflow's real tensors."""
    return _identity("conj", x)


conjugate = conj


def real(x):
    """The real part: the identity (a copy) on cuflow's real tensors."""
    return _identity("real", x)


def imag(x):
    """The imaginary part: zeros of ``x``'s shape and dtype on cuflow's real tensors."""
    x = _real_only("imag", x)
    return _const(x._backend.xp.zeros_like(x.data), x._backend)


def copy(x):
    """A copy of ``x``; the gradient passes through."""
    return _identity("copy", to_tensor(x) if not isinstance(x, Tensor) else x)


def array(x, dtype=None):
    """A new tensor holding ``x`` (``keras.ops.array``); a Tensor input stays differentiable."""
    from .creation import convert_to_tensor
    from .shape import cast

    if isinstance(x, Tensor):
        return copy(x) if dtype is None or np.dtype(dtype) == x.dtype else cast(x, dtype)
    _real_only("array", x)
    return convert_to_tensor(x, dtype=dtype)


# ---- products and correlation -------------------------------------------------------------------

def vdot(x1, x2):
    """Dot product of the flattened inputs (a scalar)."""
    bk, a, b = operands("vdot", x1, x2)
    if a.size != b.size:
        raise ValueError(f"vdot: inputs need the same number of elements; received shapes "
                         f"{a.shape} and {b.shape}")
    return reduce_sum(reshape(a, (-1,)) * reshape(b, (-1,)))


def kron(x1, x2):
    """Kronecker product: blocks ``x1[i, j] * x2`` (ranks aligned by prepending size-1 axes)."""
    bk, a, b = operands("kron", x1, x2)
    nd = builtins.max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    ea = reshape(a, tuple(v for s in a.shape for v in (s, 1)))
    eb = reshape(b, tuple(v for s in b.shape for v in (1, s)))
    return reshape(ea * eb, tuple(p * q for p, q in zip(a.shape, b.shape)))


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors, ``numpy.correlate`` (mode valid / same / full).

    One gather of sliding windows and one matrix-vector product, so both inputs get gradients.
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full'; received {mode!r}")
    bk, a, v = operands("correlate", x1, x2)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"correlate: both inputs must be 1-D; received shapes {a.shape} and "
                         f"{v.shape}")
    n, m = a.shape[0], v.shape[0]
    if n == 0 or m == 0:
        raise ValueError("correlate: inputs must be non-empty")
    from .linalg import matmul
    from .shape import pad

    # full[k] = sum_j a[k + j - (m - 1)] * v[j], k = 0 .. n + m - 2
    ap = pad(a, [[m - 1, m - 1]])
    win = np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]
    full = matmul(getitem(ap, (win,)), v)
    if mode == "full":
        return full
    big, small = builtins.max(n, m), builtins.min(n, m)
    if mode == "valid":
        start, length = small - 1, big - small + 1
    else:
        length = big
        start = (n + m - 1 - length) // 2 if n >= m else (n + m - length) // 2
    out = getitem(full, builtins.slice(start, start + length))
    return out


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3- (or 2-) vectors along the given axes, ``numpy.cross``."""
    from .extra import moveaxis

    bk, a, b = operands("cross", x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, _axis1("cross", axisa, a.ndim), -1)
    b = moveaxis(b, _axis1("cross", axisb, b.ndim), -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components; received {na} and {nb}")

    def comp(t, i):
        return getitem(t, (Ellipsis, i))

    if na == 2 and nb == 2:
        return comp(a, 0) * comp(b, 1) - comp(a, 1) * comp(b, 0)
    a0, a1 = comp(a, 0), comp(a, 1)
    b0, b1 = comp(b, 0), comp(b, 1)
    if na == 3 and nb == 3:
        a2, b2 = comp(a, 2), comp(b, 2)
        c = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    elif na == 2:
        b2 = comp(b, 2)
        c = [a1 * b2 + 0 * b0, -(a0 * b2) + 0 * b1, a0 * b1 - a1 * b0]
    else:
        a2 = comp(a, 2)
        c = [-(a2 * b1) + 0 * a0, a2 * b0 + 0 * a1, a0 * b1 - a1 * b0]
    out = stack(c, -1)
    return moveaxis(out, -1, _axis1("cross", axisc, out.ndim))


def diagflat(x, k=0):
    """``x`` flattened onto the ``k``-th diagonal of a square matrix."""
    from .extra import diag

    return diag(reshape(to_tensor(x), (-1,)), k)


def rot90(array, k=1, axes=(0, 1)):  # noqa: A002 - Keras' argument name
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards the
    second), ``numpy.rot90``."""
    from .extra import flip, swapaxes

    x = to_tensor(array)
    if x.ndim < 2:
        raise ValueError(f"rot90 needs a tensor of rank >= 2; received shape {x.shape}")
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes; received {axes!r}")
    a0, a1 = normalize_axis("rot90", tuple(axes), x.ndim)
    if not _is_int(k):
        raise TypeError(f"rot90: k must be an int; received {k!r}")
    k = int(k) % 4
    if k == 0:
        return copy(x)
    if k == 2:
        return flip(x, (a0, a1))
    if k == 1:
        return swapaxes(flip(x, a1), a0, a1)
    return flip(swapaxes(x, a0, a1), a1)


def meshgrid(*x, indexing="xy"):
    """Coordinate tensors from 1-D inputs; ``indexing`` 'xy' (Cartesian) or 'ij' (matrix)."""
    from .extra import broadcast_to

    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'; received {indexing!r}")
    ts = [reshape(to_tensor(t), (-1,)) for t in x]
    n = len(ts)
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        view = [1] * n
        view[pos] = t.shape[0]
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return out


def select(condlist, choicelist, default=0):
    """``numpy.select``: the first choice whose condition holds, else ``default``."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select: condlist and choicelist must be lists of tensors")
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist ({len(condlist)}) and choicelist "
                         f"({len(choicelist)}) need the same length")
    if not condlist:
        raise ValueError("select: condlist must be non-empty")
    choices = [to_tensor(c) for c in choicelist]
    out = to_tensor(default, choices[0])
    for c, v in zip(reversed(condlist), reversed(choices)):
        c = to_tensor(c, v)
        if c.dtype.kind != "b":
            raise TypeError(f"select: conditions must be bool tensors; received dtype {c.dtype}")
        out = where(c, v, out)
    return out


# ---- quantiles ----------------------------------------------------------------------------------

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _to_last(op, x, axis):
    """``x`` with the ``axis`` axes flattened into one last axis, and the kept-dims shape."""
    if axis is None:
        return reshape(x, (-1,)), (1,) * x.ndim
    axes = normalize_axis(op, axis, x.ndim)
    rest = [i for i in range(x.ndim) if i not in axes]
    xt = transpose(x, rest + list(axes)) if rest + list(axes) != list(range(x.ndim)) else x
    xt = reshape(xt, tuple(x.shape[i] for i in rest) + (-1,))
    keep = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    return xt, keep


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (q in [0, 1]) over ``axis``, ``numpy.quantile``.

    A scalar ``q`` gives the reduced shape; a 1-D ``q`` puts its axis first. Differentiable: the
    sort routes each gradient back to the values the interpolation used.
    """
    from .extra import sort, take_along_axis

    if method not in _METHODS:
        raise ValueError(f"quantile: method must be one of {', '.join(_METHODS)}; received "
                         f"{method!r}")
    x = to_tensor(x)
    check_float("quantile", x)
    xp = x._backend.xp
    qt = to_tensor(q, x)
    if qt.ndim > 1:
        raise ValueError(f"quantile: q must be a scalar or 1-D; received shape {qt.shape}")
    qd = qt.data.astype(np.float64)
    if bool(xp.any((qd < 0) | (qd > 1))):
        raise ValueError("quantile: q must be in [0, 1]")
    xt, keep = _to_last("quantile", x, axis)
    n = xt.shape[-1]
    if n == 0:
        raise ValueError("quantile: cannot take a quantile over an empty axis")
    s = sort(xt, -1)
    pos = qd.reshape(-1) * (n - 1)
    lo = xp.floor(pos)
    hi = xp.ceil(pos)
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, xp.zeros_like(frac)
    elif method == "higher":
        lo, frac = hi, xp.zeros_like(frac)
    elif method == "nearest":
        lo = hi = xp.round(pos)  # ties to even, as NumPy's 'nearest'
        frac = xp.zeros_like(frac)
    elif method == "midpoint":
        frac = xp.where(hi > lo, 0.5, 0.0)
    nq = pos.shape[0]
    lead = xt.shape[:-1]

    def pick(idx):
        i = idx.astype(np.int64).reshape((1,) * len(lead) + (nq,))
        i = xp.broadcast_to(i, lead + (nq,))
        return take_along_axis(s, _const(xp.ascontiguousarray(i), x._backend), -1)

    vlo, vhi = pick(lo), pick(hi)
    f = _const(frac.astype(x.dtype), x._backend)
    out = vlo + (vhi - vlo) * f  # (..., nq)
    from .extra import moveaxis

    out = moveaxis(out, -1, 0)  # (nq, ...)
    if keepdims:
        out = reshape(out, (nq,) + keep)
    if qt.ndim == 0:
        out = reshape(out, out.shape[1:])
    return out


def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for an even count)."""
    return quantile(x, 0.5, axis=axis, method="linear", keepdims=keepdims)


# ---- creation -----------------------------------------------------------------------------------

def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``, ``numpy.logspace``."""
    from .creation import _dtype, linspace

    exps = linspace(start, stop, num, endpoint=endpoint, dtype="float64", axis=axis)
    bk = exps._backend
    out = bk.xp.power(float(base), exps.data)
    return _const(out.astype(_dtype(dtype)), bk)


# ---- vectorize ----------------------------------------------------------------------------------

_SIG = re.compile(r"^\s*(\([^()]*\)(\s*,\s*\([^()]*\))*)\s*->\s*(\([^()]*\)(\s*,\s*\([^()]*\))*)"
                  r"\s*$")


def _parse_signature(sig):
    m = _SIG.match(sig)
    if not m:
        raise ValueError(f"vectorize: invalid signature {sig!r} (expected e.g. '(m,n),(n)->(m)')")

    def dims(part):
        return [[d.strip() for d in g.split(",") if d.strip()]
                for g in re.findall(r"\(([^()]*)\)", part)]

    return dims(m.group(1)), dims(m.group(3))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``numpy.vectorize`` for cuflow tensors: ``pyfunc`` runs once per element (or per core
    slice with ``signature``) and the results are stacked, so gradients flow through
    ``pyfunc``'s own ops. Keyword arguments pass through unvectorized; ``excluded`` names
    positional indices that pass through too. A Python loop: meant for convenience, not speed.
    """
    if not callable(pyfunc):
        raise TypeError(f"vectorize: pyfunc must be callable; received {pyfunc!r}")
    excluded = set(excluded or ())
    core_in = core_out = None
    if signature is not None:
        core_in, core_out = _parse_signature(signature)

    def wrapped(*args, **kwargs):
        from .extra import broadcast_to

        pos = [i for i in range(len(args)) if i not in excluded]
        ts = {i: to_tensor(args[i]) for i in pos}
        if core_in is not None and len(core_in) != len(pos):
            raise ValueError(f"vectorize: signature {signature!r} has {len(core_in)} inputs; "
                             f"received {len(pos)} vectorized arguments")
        cores = {i: (len(core_in[j]) if core_in is not None else 0) for j, i in enumerate(pos)}
        for i in pos:
            if ts[i].ndim < cores[i]:
                raise ValueError(f"vectorize: argument {i} of shape {ts[i].shape} has fewer "
                                 f"axes than its core dimensions {core_in[pos.index(i)]}")
        loop = np.broadcast_shapes(*[ts[i].shape[:ts[i].ndim - cores[i]] for i in pos]) \
            if pos else ()
        bt = {i: broadcast_to(ts[i], loop + ts[i].shape[ts[i].ndim - cores[i]:])
              if ts[i].shape[:ts[i].ndim - cores[i]] != loop else ts[i] for i in pos}
        results = []
        for idx in np.ndindex(*loop):
            call = list(args)
            for i in pos:
                call[i] = getitem(bt[i], idx) if idx else bt[i]
            results.append(pyfunc(*call, **kwargs))
        if not results:
            raise ValueError("vectorize: cannot infer the output of an empty loop")
        multi = isinstance(results[0], (tuple, list))
        cols = list(zip(*results)) if multi else [results]
        outs = []
        for col in cols:
            col = [to_tensor(r) for r in col]
            st = stack(col, 0) if len(col) > 1 or loop else col[0]
            outs.append(reshape(st, loop + col[0].shape) if loop else col[0])
        return tuple(outs) if multi else outs[0]

    wrapped.__name__ = getattr(pyfunc, "__name__", "vectorized")
    wrapped.__doc__ = getattr(pyfunc, "__doc__", None)
    return wrapped


__all__ = [
    "argpartition", "array", "bincount", "bitwise_and", "bitwise_invert", "bitwise_left_shift",
    "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "conj", "conjugate",
    "copy", "correlate", "cross", "diagflat", "digitize", "histogram", "imag", "kron",
    "left_shift", "logspace", "median", "meshgrid", "nonzero", "quantile", "real",
    "right_shift", "rot90", "searchsorted", "select", "vdot", "vectorize",
]
