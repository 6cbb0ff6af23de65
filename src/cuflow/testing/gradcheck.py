"""Numerical gradient checks: autodiff gradients against float64 central differences (used by
the test suite and ``Model.check_gradients``)."""

from __future__ import annotations

import numpy as np

from ..gradient_tape import GradientTape
from ..tensor import Tensor


def numerical_gradient(f, arrays, index, eps=1e-6):
    """Central differences of the scalar ``f(*arrays)`` with respect to ``arrays[index]``."""
    x = arrays[index]
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):  # element-wise, so non-contiguous inputs stay as given
        old = x[idx]
        x[idx] = old + eps
        up = f(*arrays)
        x[idx] = old - eps
        down = f(*arrays)
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def check_gradients(fn, inputs, device="cpu", eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Compare autodiff gradients of ``fn`` with float64 central differences.

    ``fn`` maps Tensors to a Tensor of any shape; it is reduced with fixed random weights so every
    output element contributes. Returns the worst relative error; raises AssertionError with the
    offending input when a gradient is off.
    """
    rng = np.random.default_rng(seed)
    arrays = [np.array(a, dtype=np.float64, copy=True, order='K') for a in inputs]
    probe = fn(*[Tensor(a, device=device) for a in arrays])
    weights = rng.uniform(0.5, 1.5, size=probe.shape)

    def scalar(*arrs):
        out = fn(*[Tensor(a, device=device) for a in arrs])
        return float(np.sum(out.numpy().astype(np.float64) * weights))

    tensors = [Tensor(a, device=device, requires_grad=True) for a in arrays]
    with GradientTape() as tape:
        out = fn(*tensors)
        total = (out * Tensor(weights, device=device)).sum()
    analytic = tape.gradient(total, tensors)
    worst = 0.0
    for i, g in enumerate(analytic):
        num = numerical_gradient(scalar, arrays, i, eps)
        got = np.zeros_like(num) if g is None else g.numpy()
        if got.shape != num.shape:
            raise AssertionError(f"input {i}: gradient shape {got.shape} != input shape "
                                 f"{num.shape}")
        err = np.abs(got - num)
        if not np.all(err <= atol + rtol * np.abs(num)):
            k = int(np.argmax(err - rtol * np.abs(num)))
            raise AssertionError(f"input {i}: gradient mismatch at flat index {k}: autodiff "
                                 f"{got.reshape(-1)[k]!r}, central difference "
                                 f"{num.reshape(-1)[k]!r}")
        denom = np.maximum(np.abs(num), 1e-8)
        if err.size:
            worst = max(worst, float(np.max(err / np.maximum(denom, atol / rtol))))
    return worst


def weight_slots(layer, seen=None):
    """``{id(variable): (owner, attribute)}`` for every weight Variable reachable from
    ``layer``: where a gradient check substitutes a differentiable tensor for a weight."""
    from ..tensor import Variable

    seen = set() if seen is None else seen
    if id(layer) in seen:
        return {}
    seen.add(id(layer))
    slots = {}
    for attr, value in vars(layer).items():
        if isinstance(value, Variable):
            slots.setdefault(id(value), (layer, attr))
    for sub in layer._layers:
        for key, slot in weight_slots(sub, seen).items():
            slots.setdefault(key, slot)
    return slots


def flat_outputs(out):
    """One (batch, n) tensor from an output or a list of outputs, to gradient-check them all."""
    from .. import ops

    outs = out if isinstance(out, (list, tuple)) else [out]
    return ops.concatenate([ops.reshape(o, (o.shape[0], -1)) for o in outs], axis=1)
