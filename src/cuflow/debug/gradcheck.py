"""``model.check_gradients(x, y)``: float64 central differences of the compiled loss, per layer,
with respect to the layer's trainable weights and its input.

The weights are cast to float64 for the check and the original arrays put back afterwards. The
loss is evaluated in inference mode (``training=False``) so that dropout and noise layers are
deterministic. A layer's input gradient is checked by perturbing the input its ``call``
receives (a temporary wrapper adds ±eps to one entry), which isolates a wrong backward in a
layer without weights: the first flagged row in forward order is the suspect.
"""

from __future__ import annotations

import numpy as np

from ._patch import Patches

EPS = 1e-6
RTOL, ATOL = 1e-4, 1e-7  # float64 central differences are good to ~1e-9 on an O(1) loss


def _take(value, n):
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _take(v, n) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if not any(hasattr(v, "shape") for v in value):
            return np.asarray(value)[:n]
        return type(value)(_take(v, n) for v in value)
    a = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    return a[:n]


def _as64(value, device):
    from ..tensor import Tensor
    from ..tree import map_structure

    def conv(a):
        a = np.asarray(a)
        return Tensor(a.astype(np.float64) if a.dtype.kind == "f" else a, device=device)

    return None if value is None else map_structure(conv, value)


class _InputProbe:
    """Wraps each layer's ``call``: records the first call's first input tensor, and adds a
    perturbation to it when asked."""

    def __init__(self, layers):
        self.inputs = {}
        self.perturb = None  # (layer name, flat index, delta)
        self._calls = set()
        self._patches = Patches()
        for layer in layers:
            self._patches.set(layer, "call", self._wrap(layer))

    def _wrap(self, layer):
        inner = layer.call
        name = layer.name

        def call(inputs, *args, **kwargs):
            first = name not in self._calls
            self._calls.add(name)
            if first:
                inputs = self._maybe_perturb(name, inputs)
                head = inputs[0] if isinstance(inputs, (list, tuple)) and inputs else inputs
                if hasattr(head, "requires_grad") and head.dtype.kind == "f":
                    self.inputs[name] = head
            return inner(inputs, *args, **kwargs)

        return call

    def _maybe_perturb(self, name, inputs):
        if self.perturb is None or self.perturb[0] != name:
            return inputs
        _, idx, delta = self.perturb
        multi = isinstance(inputs, (list, tuple))
        head = inputs[0] if multi else inputs
        bump = np.zeros(head.shape, dtype=head.dtype)
        bump.reshape(-1)[idx] = delta
        from ..tensor import Tensor

        moved = head + Tensor(bump, device=head.device)
        if multi:
            return type(inputs)([moved, *inputs[1:]])
        return moved

    def new_pass(self):
        self._calls = set()

    def undo(self):
        self._patches.undo()


def _all_layers(layer):
    out, stack = [], [layer]
    while stack:
        la = stack.pop()
        if all(la is not seen for seen in out):
            out.append(la)
            stack.extend(la._layers)
    return out


def _entries(size, k, rng):
    if size <= k:
        return np.arange(size)
    return np.sort(rng.choice(size, size=k, replace=False))


def check_model_gradients(model, x, y, sample_weight=None, max_samples=4, print_fn=None,
                          entries=6, seed=0, eps=EPS):
    """Print a table (layer, worst abs error, worst rel error, status) and return the worst
    relative error over every checked entry."""
    from .. import autodiff

    model._assert_compiled("check_gradients")
    device = model.device
    x = _as64(_take(model._normalize_x(x), max_samples), device)
    y = _as64(_take(model._normalize_y(y), max_samples), device)
    sw = _as64(_take(sample_weight, max_samples), device)
    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    rng = np.random.default_rng(seed)
    saved = [(v, v.data) for v in model.weights]
    head = x[0] if isinstance(x, (list, tuple)) else next(iter(x.values())) \
        if isinstance(x, dict) else x
    probe = _InputProbe(layers)
    for v, data in saved:
        if data.dtype.kind == "f":
            v.data = data.astype(np.float64)
    # layers cast float inputs to their compute dtype: compute in float64 for the check
    compute = [(la, la.compute_dtype) for la in _all_layers(model)]
    for la, _ in compute:
        la.compute_dtype = "float64"
    try:
        def loss():
            probe.new_pass()
            model._clear_call_losses()
            pred = model(x, training=False)
            ys, preds = model._prepare_step(y, pred)
            total, _ = model._compute_loss(ys, preds, sw)
            return total

        with autodiff.no_grad():
            loss()  # builds metrics/losses state once, outside the recorded pass

        def value():
            with autodiff.no_grad():
                return float(np.asarray(loss().numpy(), dtype=np.float64).sum())

        if head.dtype.kind == "f":
            head.requires_grad = True  # the first layer's input gradient is checked too
        total = loss()
        inputs = dict(probe.inputs)
        sources = [w for la in layers for w in la.trainable_weights]
        sources += [t for t in inputs.values() if t.requires_grad]
        ones = total._backend.xp.ones(total.shape, dtype=total.dtype)
        grads = autodiff.run_backward([total], [ones], sources=sources)
        analytic = {id(s): g for s, g in zip(sources, grads)}
        rows, worst = [], 0.0
        for layer in layers:
            errs = []
            for w in layer.trainable_weights:
                g = analytic.get(id(w))
                g = np.zeros(w.shape) if g is None else w._backend.to_numpy(g).astype(np.float64)
                for idx in _entries(int(np.prod(w.shape)), entries, rng):
                    errs.append(_compare(g.reshape(-1)[idx], _numeric_weight(w, idx, value, eps)))
            t = inputs.get(layer.name)
            if t is not None and t.requires_grad:
                g = analytic.get(id(t))
                g = np.zeros(t.shape) if g is None else t._backend.to_numpy(g).astype(np.float64)
                for idx in _entries(int(np.prod(t.shape)), entries, rng):
                    probe.perturb = (layer.name, int(idx), eps)
                    up = value()
                    probe.perturb = (layer.name, int(idx), -eps)
                    down = value()
                    probe.perturb = None
                    errs.append(_compare(g.reshape(-1)[idx], (up - down) / (2 * eps)))
            if not errs:
                rows.append((layer.name, None, None, "no gradients"))
                continue
            a = max(e[0] for e in errs)
            r = max(e[1] for e in errs)
            ok = all(e[2] for e in errs)
            worst = max(worst, r)
            rows.append((layer.name, a, r, "ok" if ok else "MISMATCH"))
    finally:
        probe.undo()
        for la, dtype in compute:
            la.compute_dtype = dtype
        for v, data in saved:
            v.data = data
        if head.dtype.kind == "f":
            head.requires_grad = False
    _print_table(rows, print_fn or print)
    return worst


def _numeric_weight(w, idx, value, eps):
    flat = w.data.reshape(-1)  # a view: float64 weights are contiguous copies
    old = float(flat[idx])
    flat[idx] = old + eps
    up = value()
    flat[idx] = old - eps
    down = value()
    flat[idx] = old
    return (up - down) / (2 * eps)


def _compare(analytic, numeric):
    analytic, numeric = float(analytic), float(numeric)
    err = abs(analytic - numeric)
    rel = err / max(abs(numeric), abs(analytic), ATOL / RTOL)
    return err, rel, err <= ATOL + RTOL * abs(numeric)


def _print_table(rows, print_fn):
    head = f"{'layer':<28}{'worst abs err':>15}{'worst rel err':>15}  status"
    lines = ["Gradient check (float64 central differences, training=False)", head,
             "-" * len(head)]
    for name, a, r, status in rows:
        if a is None:
            lines.append(f"{name[:27]:<28}{'-':>15}{'-':>15}  {status}")
        else:
            lines.append(f"{name[:27]:<28}{a:>15.2e}{r:>15.2e}  {status}")
    print_fn("\n".join(lines))
