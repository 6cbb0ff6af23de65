"""Reverse-mode autodiff: the define-by-run graph, ``backward``, ``no_grad`` and ``GradientTape``.

Every op that receives at least one tensor requiring a gradient records a ``Node``: its input
tensors and a closure mapping the output gradient (a raw backend array) to one gradient per input
(or None). Gradients flow as raw arrays, never as Tensors, so a backward pass builds no graph.
"""

from __future__ import annotations

import functools

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
