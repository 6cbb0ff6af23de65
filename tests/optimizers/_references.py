"""Shared by the optimizer tests: independent float64 NumPy transcriptions of the Keras 3 update
formulas (written out for one variable, not calling cuflow), and the checks every optimizer's
test file runs against them (trajectories in float64 and float32, save/load round trips).

PyTorch has no optimizer with Lion's, Adafactor's, Ftrl's or Lamb's exact formulas
(torch.optim.Adafactor differs in its epsilon and clipping rules), so NumPy is the reference.
"""

from __future__ import annotations

import math

import numpy as np

import cuflow as cf
from cuflow.backend import get_backend

# rank 3 and a size-1 matrix too: Adafactor factors the second moment of rank >= 2 variables
SHAPES = [(3, 4), (5,), (2, 3, 4), (1, 1)]
STEPS = 7


def as_device(a, device):
    return get_backend(device).asarray(a)


# ---- reference implementations ----------------------------------------------------------------
def ref_sgd(w, gs, lr, momentum=0.0, nesterov=False):
    m = np.zeros_like(w)
    for g in gs:
        if momentum:
            m = momentum * m - lr * g
            w = w + (momentum * m - lr * g if nesterov else m)
        else:
            w = w - lr * g
    return w


def ref_adam(w, gs, lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=None):
    m, v, vh = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        if wd is not None:
            w = w - w * wd * lr
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        vv = v
        if amsgrad:
            vh = np.maximum(vh, v)
            vv = vh
        w = w - alpha * m / (np.sqrt(vv) + eps)
    return w


def ref_rmsprop(w, gs, lr, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    v, mom, a = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            den = v - a * a + eps
        else:
            den = v + eps
        inc = lr * g / np.sqrt(den)
        if momentum > 0:
            mom = momentum * mom + inc
            w = w - mom
        else:
            w = w - inc
    return w


def ref_adagrad(w, gs, lr, init=0.1, eps=1e-7):
    acc = np.full_like(w, init)
    for g in gs:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def ref_adadelta(w, gs, lr, rho=0.95, eps=1e-7):
    eg, ed = np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        eg = rho * eg + (1 - rho) * g * g
        d = -np.sqrt(ed + eps) * g / np.sqrt(eg + eps)
        ed = rho * ed + (1 - rho) * d * d
        w = w + lr * d
    return w


def ref_adamax(w, gs, lr, b1=0.9, b2=0.999, eps=1e-7):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def ref_nadam(w, gs, lr, b1=0.9, b2=0.999, eps=1e-7):
    m, v, u_prod = np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(gs, start=1):
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod = u_prod * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_t1 * m / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
        v_hat = v / (1 - b2 ** t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
    return w


def ref_lion(w, gs, lr, b1=0.9, b2=0.99, wd=None):
    m = np.zeros_like(w)
    for g in gs:
        if wd is not None:
            w = w - w * wd * lr
        w = w - lr * np.sign(m * b1 + g * (1 - b1))
        m = m * b2 + g * (1 - b2)
    return w


def ref_adafactor(w, gs, lr, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    r = np.zeros(w.shape[:-1]) if w.ndim >= 2 else None
    c = np.zeros(w.shape[:-2] + w.shape[-1:]) if w.ndim >= 2 else None
    v = np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(eps2, math.sqrt(np.mean(w ** 2))) * rho
        reg = g ** 2 + eps1
        b = 1 - t ** decay
        if w.ndim >= 2:
            r = b * r + (1 - b) * reg.mean(axis=-1)
            c = b * c + (1 - b) * reg.mean(axis=-2)
            v = np.expand_dims(r / r.mean(axis=-1, keepdims=True), -1) * np.expand_dims(c, -2)
        else:
            v = b * v + (1 - b) * reg
        u = g / np.sqrt(v)
        u_hat = u / max(1.0, math.sqrt(np.mean(u ** 2)) / clip)
        w = w - alpha * u_hat
    return w


def ref_ftrl(w, gs, lr, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    n, z = np.full_like(w, init), np.zeros_like(w)
    l2_total = l2 + beta / (2 * lr)
    for g in gs:
        g_shr = g + 2 * shrink * w
        n_new = n + g * g
        z = z + g_shr - (n_new ** -power - n ** -power) / lr * w
        quad = n_new ** -power / lr + 2 * l2_total
        w = (np.clip(z, -l1, l1) - z) / quad
        n = n_new
    return w


def ref_lamb(w, gs, lr, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        u = (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        wn, un = np.linalg.norm(w), np.linalg.norm(u)
        ratio = wn / un if wn > 0 and un > 0 else 1.0
        w = w - ratio * lr * u
    return w


# ---- the checks -------------------------------------------------------------------------------
def check_trajectory(name, make, ref, device, rng):
    """Seven steps on four shapes in float64 equal the reference to rounding."""
    w0 = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) for s in SHAPES] for _ in range(STEPS)]
    variables = [cf.Variable(w.copy(), device=device) for w in w0]  # Variable aliases its input
    opt = make()
    for step in grads:
        # alternate raw arrays and Tensors: both are accepted
        gs = [as_device(g, device) for g in step]
        gs[0] = cf.Tensor(gs[0])
        opt.apply_gradients(zip(gs, variables))
    assert int(opt.iterations.numpy()) == STEPS
    for k, v in enumerate(variables):
        want = ref(w0[k], [step[k] for step in grads])
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-10, atol=1e-12, err_msg=name)


def check_float32_trajectory(name, make, ref, device, rng):
    """float32 variables stay float32 and follow the float64 reference to float32 precision."""
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    grads = [rng.normal(size=(4, 3)).astype(np.float32) for _ in range(STEPS)]
    v = cf.Variable(w0.copy(), device=device)
    opt = make()
    for g in grads:
        opt.apply([as_device(g, device)], [v])
    assert v.dtype == np.float32
    want = ref(w0.astype(np.float64), [g.astype(np.float64) for g in grads])
    np.testing.assert_allclose(v.numpy(), want, rtol=2e-4, atol=2e-5, err_msg=name)


def check_save_load_round_trip(make, device, rng):
    """An optimizer restored from ``save_own_variables`` continues exactly like the original."""
    w0 = [rng.normal(size=(3, 2)), rng.normal(size=(4,)), rng.normal(size=(2, 2, 3))]
    grads = [[rng.normal(size=w.shape) for w in w0] for _ in range(6)]
    bk = get_backend(device)

    def run(opt, vs, steps):
        for step in steps:
            opt.apply([bk.asarray(g) for g in step], vs)

    va = [cf.Variable(w.copy(), device=device) for w in w0]
    a = make()
    run(a, va, grads[:3])
    store = {}
    a.save_own_variables(store)
    assert list(store) == [str(i) for i in range(len(a.variables))]
    assert all(isinstance(x, np.ndarray) for x in store.values())
    vb = [cf.Variable(v.numpy().copy(), device=device) for v in va]
    b = make()
    b.build(vb)
    b.load_own_variables(store)
    assert int(b.iterations.numpy()) == 3
    run(a, va, grads[3:])
    run(b, vb, grads[3:])
    for x, y in zip(va, vb):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def check_config_round_trip(make):
    """``get_config`` survives ``from_config`` and ``serialize``/``deserialize``."""
    from cuflow import optimizers as O

    opt = make()
    cfg = opt.get_config()
    assert type(opt).from_config(cfg).get_config() == cfg
    again = O.deserialize(O.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == cfg
