"""Each optimizer's trajectory vs an independent float64 NumPy transcription of Keras 3."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O
from cuflow.backend import get_backend

from .test_lion_adafactor_ftrl_lamb import CASES as NEW_CASES


# ---- reference implementations (Keras 3 formulas, written out, not calling cuflow) ----------
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


CASES = [
    ("sgd", lambda: O.SGD(0.1), lambda w, gs: ref_sgd(w, gs, 0.1)),
    ("sgd_momentum", lambda: O.SGD(0.1, momentum=0.9),
     lambda w, gs: ref_sgd(w, gs, 0.1, 0.9)),
    ("sgd_nesterov", lambda: O.SGD(0.05, momentum=0.8, nesterov=True),
     lambda w, gs: ref_sgd(w, gs, 0.05, 0.8, True)),
    ("adam", lambda: O.Adam(0.01), lambda w, gs: ref_adam(w, gs, 0.01)),
    ("adam_amsgrad", lambda: O.Adam(0.02, beta_1=0.8, beta_2=0.99, amsgrad=True),
     lambda w, gs: ref_adam(w, gs, 0.02, 0.8, 0.99, amsgrad=True)),
    ("adamw", lambda: O.AdamW(0.01, weight_decay=0.1),
     lambda w, gs: ref_adam(w, gs, 0.01, wd=0.1)),
    ("rmsprop", lambda: O.RMSprop(0.01), lambda w, gs: ref_rmsprop(w, gs, 0.01)),
    ("rmsprop_centered_momentum", lambda: O.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     lambda w, gs: ref_rmsprop(w, gs, 0.01, 0.8, 0.5, centered=True)),
    ("adagrad", lambda: O.Adagrad(0.1), lambda w, gs: ref_adagrad(w, gs, 0.1)),
    ("adadelta", lambda: O.Adadelta(1.0), lambda w, gs: ref_adadelta(w, gs, 1.0)),
    ("adamax", lambda: O.Adamax(0.01), lambda w, gs: ref_adamax(w, gs, 0.01)),
    ("nadam", lambda: O.Nadam(0.01), lambda w, gs: ref_nadam(w, gs, 0.01)),
]
CASES += NEW_CASES  # Lion, Adafactor, Ftrl, Lamb (their references live in that module)
# rank 3 and a size-1 matrix too: Adafactor factors the second moment of rank >= 2 variables
SHAPES = [(3, 4), (5,), (2, 3, 4), (1, 1)]
STEPS = 7


def _as_device(a, device):
    return get_backend(device).asarray(a)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    w0 = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) for s in SHAPES] for _ in range(STEPS)]
    variables = [cf.Variable(w.copy(), device=device) for w in w0]  # Variable aliases its input
    opt = make()
    for step in grads:
        # alternate raw arrays and Tensors: both are accepted
        gs = [_as_device(g, device) for g in step]
        gs[0] = cf.Tensor(gs[0])
        opt.apply_gradients(zip(gs, variables))
    assert int(opt.iterations.numpy()) == STEPS
    for k, v in enumerate(variables):
        want = ref(w0[k], [step[k] for step in grads])
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    grads = [rng.normal(size=(4, 3)).astype(np.float32) for _ in range(STEPS)]
    v = cf.Variable(w0.copy(), device=device)
    opt = make()
    for g in grads:
        opt.apply([_as_device(g, device)], [v])
    assert v.dtype == np.float32
    want = ref(w0.astype(np.float64), [g.astype(np.float64) for g in grads])
    np.testing.assert_allclose(v.numpy(), want, rtol=2e-4, atol=2e-5, err_msg=name)


def test_gradients_are_not_modified(device, rng):
    g = rng.normal(size=(6,))
    garr = _as_device(g.copy(), device)
    v = cf.Variable(rng.normal(size=(6,)), device=device)
    opt = O.Adam(0.1, clipnorm=0.5)
    for _ in range(3):
        opt.apply([garr], [v])
    np.testing.assert_array_equal(get_backend(device).to_numpy(garr), g)


def test_adam_converges_on_quadratic(device):
    target = np.array([1.0, -2.0, 3.0, 0.5])
    v = cf.Variable(np.zeros(4), device=device)
    opt = O.Adam(0.05)
    xp = get_backend(device).xp
    tgt = xp.asarray(target)
    for _ in range(1500):
        opt.apply([2 * (v.data - tgt)], [v])  # d/dw |w - target|^2
    np.testing.assert_allclose(v.numpy(), target, atol=1e-3)


def test_schedule_drives_the_update(device, rng):
    sched = O.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    v = cf.Variable(np.zeros(3), device=device)
    opt = O.SGD(sched)
    g = np.ones(3)
    expected = 0.0
    for t in range(5):
        assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** (t / 2))
        opt.apply([_as_device(g, device)], [v])
        expected -= 0.1 * 0.5 ** (t / 2)
    np.testing.assert_allclose(v.numpy(), expected)


def test_weight_decay_exclusions(device, rng):
    w = rng.normal(size=(3,))
    a = cf.Variable(w.copy(), name="kernel", device=device)
    b = cf.Variable(w.copy(), name="dense/bias", device=device)
    c = cf.Variable(w.copy(), name="other", device=device)
    opt = O.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[c], var_names=["bias"])
    zeros = _as_device(np.zeros(3), device)
    opt.apply([zeros, zeros, zeros], [a, b, c])
    np.testing.assert_allclose(a.numpy(), w - w * 0.5 * 0.1)
    np.testing.assert_allclose(b.numpy(), w)
    np.testing.assert_allclose(c.numpy(), w)


def test_constraint_applied_after_update(device):
    v = cf.Variable(np.array([0.5, -0.5]), device=device,
                    constraint=lambda t: cf.Tensor(np.clip(t.numpy(), 0.0, None),
                                                   device=t.device))
    opt = O.SGD(1.0)
    opt.apply([_as_device(np.array([1.0, 1.0]), device)], [v])
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])


def test_ema_tracks_and_finalizes(device, rng):
    w = rng.normal(size=(3,))
    v = cf.Variable(w.copy(), device=device)
    opt = O.SGD(0.1, use_ema=True, ema_momentum=0.9)
    g = rng.normal(size=(3,))
    ref_w, ref_avg = w.copy(), None
    for t in range(4):
        opt.apply([_as_device(g, device)], [v])
        ref_w = ref_w - 0.1 * g
        mom = 0.0 if t == 0 else 0.9
        ref_avg = ref_w.copy() if ref_avg is None else mom * ref_avg + (1 - mom) * ref_w
    np.testing.assert_allclose(v.numpy(), ref_w)
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), ref_avg)
