"""Per-layer accounting of one or more training steps: autodiff ops, backend kernel calls and
time (host dispatch, and on the GPU the device span from CUDA events).

Scopes: each top-level layer (its ``call`` and the backward closures of the ops it recorded),
plus ``(loss)``, ``(metrics)`` and ``(optimizer)``. Everything is done with temporary
instance-attribute patches (see ``_patch``), so the model and backend are untouched afterwards.
"""

from __future__ import annotations

import collections
import time

from ._patch import Patches, kernel_names, model_backend

#: backend methods that are library launches rather than our kernels
GEMM = ("matmul",)
OTHER_LIBRARY = ("scatter_add",)


class Scope:
    def __init__(self, name, kind):
        self.name = name
        self.kind = kind  # "layer" or "extra"
        self.ops = collections.Counter()      # autodiff op names recorded in the forward pass
        self.kernels = collections.Counter()  # backend calls, e.g. "activation_forward[relu]"
        self.host_fwd = 0.0
        self.host_bwd = 0.0
        self.events = []  # (start, end) CUDA event pairs, read after the run

    @property
    def n_ops(self):
        return sum(self.ops.values())

    @property
    def ours(self):
        return sum(c for k, c in self.kernels.items() if _base(k) not in GEMM + OTHER_LIBRARY)

    @property
    def gemms(self):
        return sum(c for k, c in self.kernels.items() if _base(k) in GEMM)

    @property
    def array_launch_estimate(self):
        # each recorded op costs about one array-module launch forward and one backward; ops
        # backed by our kernels make their own counted calls instead, so subtract those
        lib = sum(c for k, c in self.kernels.items() if _base(k) in OTHER_LIBRARY)
        return max(0, 2 * self.n_ops - self.ours - self.gemms) + lib


def _base(key):
    return key.split("[", 1)[0]


def _kernel_key(name, args):
    # activation and loss kernels take their variant name first: keep it in the key
    if name in ("activation_forward", "activation_backward", "bias_activation_forward",
                "bias_activation_backward", "loss_forward_backward") and args \
            and isinstance(args[0], str):
        return f"{name}[{args[0]}]"
    return name


def walk_new_nodes(roots, seen):
    """Nodes reachable from ``roots`` that ``seen(node)`` does not claim yet."""
    from ..tensor import Tensor
    from ..tree import flatten as _flatten

    found, local = [], set()  # local: a node reached by two paths counts once
    stack = [t for t in _flatten(roots) if isinstance(t, Tensor)]
    while stack:
        t = stack.pop()
        node = t._node
        if node is None or id(node) in local or seen(node):
            continue
        local.add(id(node))
        found.append(node)
        stack.extend(node.inputs)
    return found


class Instrument:
    """``with Instrument(model) as ins: model.train_step(...)``; then ``ins.scopes``."""

    def __init__(self, model):
        self.model = model
        self.bk = model_backend(model)
        self.gpu = self.bk.device != "cpu"
        self.scopes = collections.OrderedDict()
        self._stack = []
        self._patches = Patches()
        self.steps = 0

    # ---- scopes ---------------------------------------------------------------------------
    def scope(self, name, kind="extra"):
        s = self.scopes.get(name)
        if s is None:
            s = self.scopes[name] = Scope(name, kind)
        return s

    def _current(self):
        return self._stack[-1] if self._stack else self.scope("(other)")

    def _event(self):
        import cupy

        with self.bk._on_device():  # the model's GPU, its current stream
            ev = cupy.cuda.Event()
            ev.record()
        return ev

    def _timed(self, scope, fn, args, kwargs, backward):
        if self.gpu:
            self.bk.synchronize()  # start on an empty stream: the span is this scope's work
            start = self._event()
        self._stack.append(scope)
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            dt = time.perf_counter() - t0
            self._stack.pop()
            if backward:
                scope.host_bwd += dt
            else:
                scope.host_fwd += dt
            if self.gpu:
                scope.events.append((start, self._event()))

    def _wrap_backward(self, node, scope):
        inner = node.backward

        def backward(g):
            return self._timed(scope, inner, (g,), {}, True)

        backward._cf_scope = scope  # marks the node as attributed (ids are reused across steps)
        node.backward = backward

    @staticmethod
    def _claimed(node):
        return getattr(node.backward, "_cf_scope", None) is not None

    def _attribute(self, scope, outputs):
        for node in walk_new_nodes(outputs, self._claimed):
            scope.ops[node.op] += 1
            self._wrap_backward(node, scope)

    # ---- patching ---------------------------------------------------------------------------
    def __enter__(self):
        model, p = self.model, self._patches
        for layer in model.layers:
            if type(layer).__name__ == "InputLayer":
                continue
            p.set(layer, "call", self._layer_call(layer))
        for meth, name in (("_compute_loss", "(loss)"), ("_update_metrics", "(metrics)")):
            if hasattr(model, meth):
                p.set(model, meth, self._extra_call(getattr(model, meth), name,
                                                    attribute=meth == "_compute_loss"))
        opt = getattr(model, "optimizer", None)
        if opt is not None:
            p.set(opt, "apply", self._extra_call(opt.apply, "(optimizer)"))
        for name in kernel_names() + list(GEMM + OTHER_LIBRARY):
            p.set(self.bk, name, self._kernel_call(name, getattr(self.bk, name)))
        return self

    def __exit__(self, *exc):
        self._patches.undo()
        return False

    def _layer_call(self, layer):
        inner = layer.call
        scope = self.scope(layer.name, "layer")

        def call(*args, **kwargs):
            out = self._timed(scope, inner, args, kwargs, False)
            self._attribute(scope, out)
            return out

        return call

    def _extra_call(self, inner, name, attribute=False):
        scope = self.scope(name)

        def call(*args, **kwargs):
            out = self._timed(scope, inner, args, kwargs, False)
            if attribute:
                self._attribute(scope, out)
            return out

        return call

    def _kernel_call(self, name, inner):
        def call(*args, **kwargs):
            self._current().kernels[_kernel_key(name, args)] += 1
            return inner(*args, **kwargs)

        return call

    # ---- results ----------------------------------------------------------------------------
    def device_ms(self, scope):
        """Summed CUDA event spans of a scope in ms (None on the CPU)."""
        if not self.gpu:
            return None
        self.bk.synchronize()
        import cupy

        return sum(cupy.cuda.get_elapsed_time(a, b) for a, b in scope.events)
