"""ScheduleFreeAdamW (optimizers/schedule_free_adamw.py) against a NumPy float64 reference."""

from __future__ import annotations

import numpy as np

import cuflow as cf
from cuflow import optimizers as O


def _reference(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8, warmup=0):
    z, v = w.copy(), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        rate = lr * min(t / warmup, 1.0) if warmup else lr
        z_old = z.copy()
        v = v + (g * g - v) * (1 - b2)
        z = z - rate * g / (np.sqrt(v / (1 - b2 ** t)) + eps)
        x_old = (w - (1 - b1) * z_old) / b1
        x = (1 - 1 / t) * x_old + z / t
        w = (1 - b1) * z + b1 * x
    return w


def test_steps_match_reference_with_and_without_warmup():
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=3) for _ in range(5)]
    for warmup in (0, 3):
        w = cf.Variable(np.array([1.0, 2.0, 3.0]), device="cpu")
        opt = O.ScheduleFreeAdamW(learning_rate=0.1, warmup_steps=warmup)
        for g in grads:
            opt.apply([g], [w])
        np.testing.assert_allclose(w.numpy(), _reference(np.array([1.0, 2.0, 3.0]), grads,
                                                         0.1, warmup=warmup), rtol=1e-10)


def test_config_round_trip():
    opt = O.ScheduleFreeAdamW(learning_rate=0.005, beta_1=0.95, warmup_steps=100)
    assert O.ScheduleFreeAdamW.from_config(opt.get_config()).get_config() == opt.get_config()
    assert opt.name == "schedule_free_adam_w"
