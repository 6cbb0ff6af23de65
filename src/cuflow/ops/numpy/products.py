"""Products: ``matmul`` / ``dot``, ``einsum`` (plus ``tensordot`` and ``outer`` on top of it),
``vdot``, ``kron``, ``cross`` and ``correlate``, with exact gradients. Every GEMM goes through the
backend (cuBLAS on the GPU).

Every two-operand contraction is lowered to transpose + reshape + one batched ``bk.matmul`` so it
runs through our cuBLAS handle on the GPU (capturable into CUDA graphs; ``xp.einsum`` would call
cuBLAS through CuPy). One-operand work (diagonals, transposes, sums) uses ``xp.einsum``. More than
two operands are contracted left to right as a chain of differentiable two-operand einsums.

The gradient of an operand is itself an einsum of the incoming gradient with the other operand,
followed by three fix-ups einsum cannot express: labels summed inside that operand alone are
broadcast back, size-1 axes that were broadcast are summed back, and repeated labels (diagonals)
are scattered back onto the diagonal.
"""

from __future__ import annotations

import builtins
import math
import string

import numpy as np

from .._core import operands, record, same_device, single_axis, to_tensor, unbroadcast
from .indexing import getitem
from .reductions import sum as reduce_sum
from .shape import moveaxis, pad, reshape, stack

# ---- matrix products ----------------------------------------------------------------------------

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
    """``numpy.dot``: a scalar operand multiplies; a 1-D ``b`` sums over a's last axis; rank <= 2
    operands multiply as matrices; otherwise a sum over a's last and b's second-to-last axes."""
    a, b = to_tensor(a), to_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1 or (a.ndim > 2 or b.ndim > 2):
        return tensordot(a, b, axes=([a.ndim - 1], [max(b.ndim - 2, 0)]))
    return matmul(a, b)


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


# ---- einsum: parsing ----------------------------------------------------------------------------

_LETTERS = string.ascii_letters


def _parse(subscripts, operands):
    """Explicit per-operand label strings and the output labels (ellipses expanded)."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string such as 'ij,jk->ik'; received "
                        f"{subscripts!r}")
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    if "->" in rhs:
        raise ValueError(f"einsum: subscripts {subscripts!r} contain more than one '->'")
    terms = lhs.split(",")
    for term in terms + ([rhs] if arrow else []):
        body = term.replace("...", "", 1)
        if any(c not in _LETTERS for c in body):
            raise ValueError(f"einsum: invalid subscripts {subscripts!r}: only letters and one "
                             f"'...' per term are allowed (term {term!r})")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s); "
                         f"received {len(operands)}")
    ell_rank = []
    for term, op in zip(terms, operands):
        letters = len(term.replace("...", ""))
        if "..." in term:
            if letters > op.ndim:
                raise ValueError(f"einsum: term {term!r} names {letters} axes but the operand "
                                 f"has shape {op.shape}")
            ell_rank.append(op.ndim - letters)
        else:
            if letters != op.ndim:
                raise ValueError(f"einsum: term {term!r} names {letters} axes but the operand "
                                 f"has shape {op.shape} (rank {op.ndim})")
            ell_rank.append(0)
    used = set(lhs)
    n_ell = max(ell_rank)
    fresh = [c for c in _LETTERS if c not in used][:n_ell]
    if arrow:
        if len(set(rhs.replace("...", ""))) != len(rhs.replace("...", "")):
            raise ValueError(f"einsum: output subscripts {rhs!r} repeat a label")
        missing = [c for c in rhs.replace("...", "") if c not in used]
        if missing:
            raise ValueError(f"einsum: output label(s) {''.join(missing)!r} in {subscripts!r} "
                             f"do not appear in any input")
        if n_ell and "..." not in rhs:
            raise ValueError(f"einsum: subscripts {subscripts!r} broadcast over '...' but the "
                             f"output has no '...'")
        out = rhs
    else:  # implicit mode: labels seen once, alphabetically, after the ellipsis (as NumPy)
        flat = lhs.replace("...", "").replace(",", "")
        out = ("..." if n_ell else "") + "".join(sorted(c for c in set(flat)
                                                        if flat.count(c) == 1))
    labels = [t.replace("...", "".join(fresh[n_ell - e:])) for t, e in zip(terms, ell_rank)]
    out = out.replace("...", "".join(fresh))
    sizes = {}
    for lab, op in zip(labels, operands):
        for c, s in zip(lab, op.shape):
            if sizes.get(c, 1) != s and s != 1 and sizes.get(c, 1) != 1:
                raise ValueError(f"einsum: label {c!r} in {subscripts!r} has sizes "
                                 f"{sizes[c]} and {s} (operand shapes "
                                 f"{[o.shape for o in operands]})")
            sizes[c] = max(sizes.get(c, 1), s)
    return labels, out


# ---- einsum: contraction ------------------------------------------------------------------------

def _unique(labels):
    return "".join(dict.fromkeys(labels))


def _prep(xp, a, la, keep):
    """Take diagonals of repeated labels and sum labels nobody else needs."""
    new = "".join(c for c in _unique(la) if c in keep)
    if new != la:
        a = xp.einsum(f"{la}->{new}", a)
    return a, new


def _contract(bk, la, a, lb, b, lo):
    """``einsum(f'{la},{lb}->{lo}', a, b)`` as one batched GEMM."""
    xp = bk.xp
    if a.dtype.kind != "f" or b.dtype.kind != "f":  # cuBLAS is float-only; ints are rare here
        return xp.einsum(f"{la},{lb}->{lo}", a, b)
    a, la = _prep(xp, a, la, set(lb) | set(lo))
    b, lb = _prep(xp, b, lb, set(la) | set(lo))
    size = {}
    for lab, arr in ((la, a), (lb, b)):
        for c, s in zip(lab, arr.shape):
            size[c] = max(size.get(c, 1), s)
    # size-1 axes that broadcast against the other operand: materialise them
    a = xp.broadcast_to(a, tuple(size[c] if c in lb else s for c, s in zip(la, a.shape)))
    b = xp.broadcast_to(b, tuple(size[c] if c in la else s for c, s in zip(lb, b.shape)))
    batch = [c for c in la if c in lb and c in lo]
    contr = [c for c in la if c in lb and c not in lo]
    fa = [c for c in la if c not in lb]
    fb = [c for c in lb if c not in la]
    nb, m, k, n = (math.prod(size[c] for c in g) for g in (batch, fa, contr, fb))
    a3 = xp.transpose(a, [la.index(c) for c in batch + fa + contr]).reshape(nb, m, k)
    b3 = xp.transpose(b, [lb.index(c) for c in batch + contr + fb]).reshape(nb, k, n)
    out = bk.matmul(a3[0], b3[0])[None] if nb == 1 else bk.matmul(a3, b3)
    have = batch + fa + fb
    out = out.reshape(tuple(size[c] for c in have))
    return xp.transpose(out, [have.index(c) for c in lo])


def _expand_grad(xp, core, target, la, shape):
    """Gradient over ``target`` labels back to an operand with labels ``la`` and ``shape``."""
    uniq = _unique(la)
    usize = {c: s for c, s in zip(la, shape)}
    have = list(target)
    for c in uniq:  # insert the axes the gradient einsum did not produce
        if c not in have:
            core = xp.expand_dims(core, len(have))
            have.append(c)
    core = xp.transpose(core, [have.index(c) for c in uniq])
    core = xp.broadcast_to(core, tuple(usize[c] for c in uniq))
    if len(uniq) == len(la):
        return xp.ascontiguousarray(core)
    # repeated labels: the gradient lives on the diagonal only
    grad = xp.zeros(shape, dtype=core.dtype)
    index = []
    for c in la:
        u = uniq.index(c)
        index.append(xp.arange(usize[c]).reshape((-1,) + (1,) * (len(uniq) - u - 1)))
    grad[tuple(index)] = core
    return grad


def _grad_target(la, shape, needed, full):
    """Labels the gradient einsum produces: not summed-alone, not broadcast size-1 axes."""
    sizes = dict(zip(la, shape))
    return "".join(c for c in _unique(la) if c in needed and not (sizes[c] == 1 and full[c] > 1))


def _einsum1(la, a, lo):
    xp = a._backend.xp
    out = xp.einsum(f"{la}->{lo}", a.data)

    def backward(g):
        target = "".join(c for c in _unique(la) if c in lo)
        core = xp.einsum(f"{lo}->{target}", g)
        return (_expand_grad(xp, core, target, la, a.shape),)

    return record(out, (a,), backward, "einsum")


def _einsum2(la, a, lb, b, lo):
    bk = same_device("einsum", a, b)
    xp = bk.xp
    if a.dtype != b.dtype:
        dt = np.result_type(a.dtype, b.dtype)
        from ..core import cast

        a, b = (t if t.dtype == dt else cast(t, dt) for t in (a, b))
    out = _contract(bk, la, a.data, lb, b.data, lo)
    full = {}
    for lab, t in ((la, a), (lb, b)):
        for c, s in zip(lab, t.shape):
            full[c] = max(full.get(c, 1), s)

    def grad_of(lx, x, ly, y, g):
        target = _grad_target(lx, x.shape, set(lo) | set(ly), full)
        core = _contract(bk, lo, g, ly, y.data, target)
        return _expand_grad(xp, core, target, lx, x.shape)

    def backward(g):
        return (grad_of(la, a, lb, b, g) if a.requires_grad else None,
                grad_of(lb, b, la, a, g) if b.requires_grad else None)

    return record(out, (a, b), backward, "einsum", bk)


def einsum(subscripts, *operands):
    """Einstein summation, NumPy's grammar (``'bij,bjk->bik'``, ``'...ij,jk'``, ``'ii->'``)."""
    if not operands:
        raise ValueError("einsum needs at least one operand")
    ts = [to_tensor(o) for o in operands]
    if len(ts) > 1:
        same_device("einsum", *ts)
    labels, out = _parse(subscripts, ts)
    if len(ts) == 1:
        return _einsum1(labels[0], ts[0], out)
    acc, lacc = ts[0], labels[0]
    for i in range(1, len(ts)):
        later = set(out).union(*labels[i + 1:])
        if i == len(ts) - 1:
            keep = out
        else:
            keep = "".join(c for c in _unique(lacc + labels[i]) if c in later)
        acc, lacc = _einsum2(lacc, acc, labels[i], ts[i], keep), keep
    return acc


def tensordot(x1, x2, axes=2):
    """``numpy.tensordot``: an int sums the last/first ``axes`` axes; a pair lists them."""
    a, b = to_tensor(x1), to_tensor(x2)
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} is out of range for shapes {a.shape} and "
                             f"{b.shape}")
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise ValueError(f"tensordot: axes must be an int or a pair of axis lists; received "
                             f"{axes!r}") from None
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        if len(ax_a) != len(ax_b):
            raise ValueError(f"tensordot: axes {axes!r} pair up different numbers of axes")
        ax_a = [x % a.ndim for x in ax_a]
        ax_b = [x % b.ndim for x in ax_b]
    la = list(_LETTERS[:a.ndim])
    lb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: axis {i} of shape {a.shape} and axis {j} of shape "
                             f"{b.shape} differ in size")
        lb[j] = la[i]
    lo = [c for i, c in enumerate(la) if i not in ax_a] + \
        [c for j, c in enumerate(lb) if j not in ax_b]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(lo)}", a, b)


def outer(x1, x2):
    """Outer product of the flattened operands."""
    a, b = to_tensor(x1), to_tensor(x2)
    return einsum("i,j->ij", reshape(a, (-1,)), reshape(b, (-1,)))


# ---- vectors ------------------------------------------------------------------------------------

def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3- (or 2-) vectors along the given axes, ``numpy.cross``."""
    bk, a, b = operands("cross", x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, single_axis("cross", axisa, a.ndim), -1)
    b = moveaxis(b, single_axis("cross", axisb, b.ndim), -1)
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
    return moveaxis(out, -1, single_axis("cross", axisc, out.ndim))


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


__all__ = [
    "correlate", "cross", "dot", "einsum", "kron", "matmul", "outer", "tensordot", "vdot"
]
