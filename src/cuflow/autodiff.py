"""Reverse-mode autodiff: the define-by-run graph, ``backward``, ``no_grad`` and ``GradientTape``.

Every op that receives at least one tensor requiring a gradient records a ``Node``: its input
tensors and a closure mapping the output gradient (a raw backend array) to one gradient per input
(or None). Gradients flow as raw arrays, never as Tensors, so a backward pass builds no graph.
"""

from __future__ import annotations

import functools

from .tree import flatten as _flatten
from .tree import pack_sequence_as

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class no_grad:
    """Context manager and decorator: ops inside record no graph (inference, optimizer updates)."""

    def __enter__(self):
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = False
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Turn recording back on inside a ``no_grad`` region (used by GradientTape)."""

    def __enter__(self):
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = True
        return self


class Node:
    __slots__ = ("inputs", "backward", "op")

    def __init__(self, inputs, backward, op):
        self.inputs = inputs
        self.backward = backward
        self.op = op


def _toposort(roots):
    """Tensors reachable from ``roots`` through grad-carrying edges, inputs before outputs."""
    order, seen = [], set()
    stack = [(r, False) for r in roots]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        node = t._node
        if node is not None:
            for p in node.inputs:
                if p.requires_grad and id(p) not in seen:
                    stack.append((p, False))
    return order


def run_backward(roots, root_grads, sources=None):
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    With ``sources`` None, gradients accumulate into the ``.grad`` of leaf tensors (``backward``).
    Otherwise the raw gradient arrays of ``sources`` are returned in order (None where unconnected)
    and no ``.grad`` is touched (``GradientTape.gradient``).
    """
    grads = {}
    for r, g in zip(roots, root_grads):
        prev = grads.get(id(r))
        grads[id(r)] = g if prev is None else prev + g
    wanted = None if sources is None else {id(s) for s in sources}
    captured = {}
    for t in reversed(_toposort(roots)):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        if wanted is not None and id(t) in wanted:
            captured[id(t)] = g
        node = t._node
        if node is None:
            if wanted is None:
                t._accumulate_grad(g)
            continue
        for p, pg in zip(node.inputs, node.backward(g)):
            if pg is None or not p.requires_grad:
                continue
            prev = grads.get(id(p))
            # never in place: a backward may hand the same array to several inputs
            grads[id(p)] = pg if prev is None else prev + pg
    if wanted is None:
        return None
    return [captured.get(id(s)) for s in sources]


class GradientTape:
    """TensorFlow-style tape: ``with GradientTape() as tape: ...; tape.gradient(y, [w, b])``.

    Trainable Variables are watched automatically; ``watch`` adds constant tensors. The graph is
    recorded by the ops themselves, so the tape only enables recording and computes gradients.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._used = False
        self._recording = None

    def __enter__(self):
        self._recording = enable_grad()
        self._recording.__enter__()
        return self

    def __exit__(self, *exc):
        self._recording.__exit__(*exc)
        self._recording = None
        return False

    def watch(self, tensor):
        for t in _flatten(tensor):
            if not t.dtype.kind == "f":
                raise TypeError(f"GradientTape.watch needs floating tensors; received dtype "
                                f"{t.dtype}")
            t.requires_grad = True

    def stop_recording(self):
        return no_grad()

    def reset(self):
        self._used = False

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        from .tensor import Tensor

        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero'; received "
                             f"{unconnected_gradients!r}")
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can compute gradients only once; "
                               "use GradientTape(persistent=True) to call gradient() repeatedly")
        self._used = True
        targets = _flatten(target)
        flat_sources = _flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise TypeError(f"gradient sources must be Tensors or Variables; received "
                                f"{type(s).__name__}")
        if output_gradients is None:
            root_grads = [t._backend.xp.ones(t.shape, dtype=t.dtype) for t in targets]
        else:
            root_grads = [Tensor(g, dtype=t.dtype).data for t, g in
                          zip(targets, _flatten(output_gradients))]
        live = [(t, g) for t, g in zip(targets, root_grads) if t.requires_grad]
        raw = run_backward([t for t, _ in live], [g for _, g in live], flat_sources) if live \
            else [None] * len(flat_sources)
        out = []
        for s, g in zip(flat_sources, raw):
            if g is None and unconnected_gradients == "zero":
                g = s._backend.xp.zeros(s.shape, dtype=s.dtype)
            out.append(None if g is None else Tensor._wrap(g))
        return pack_sequence_as(sources, out)
