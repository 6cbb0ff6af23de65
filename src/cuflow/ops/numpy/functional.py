"""``vectorize``: ``numpy.vectorize`` over cuflow tensors (a Python loop whose gradients flow
through the function's own ops)."""

from __future__ import annotations

import re

import numpy as np

from .._core import to_tensor
from .indexing import getitem
from .shape import broadcast_to, reshape, stack

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
    "vectorize"
]
