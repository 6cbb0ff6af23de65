"""Muon (optimizers/muon.py) against NumPy float64 references of its two paths."""

from __future__ import annotations

import numpy as np

import cuflow as cf
from cuflow import optimizers as O


def _ns(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        ta = x @ x.T
        x = a * x + (b * ta + c * ta @ ta) @ x
    return x.T if tall else x


def test_newton_schulz_matches_reference_and_keras_value():
    opt = O.Muon()
    x = np.array([[0.2499, 0.9105], [0.2655, 0.8824]])
    got = opt.zeropower_via_newtonschulz5(cf.Tensor(x), 5).numpy()
    np.testing.assert_allclose(got, _ns(x, 5), rtol=1e-10)
    np.testing.assert_allclose(got, [[-0.4422, 0.6457], [0.7285, 0.2968]], atol=1e-3)
    tall = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(opt.zeropower_via_newtonschulz5(cf.Tensor(tall), 3).numpy(),
                               _ns(tall, 3), rtol=1e-9)


def test_muon_step_on_a_matrix_and_adamw_step_on_a_vector():
    g = np.array([[1.0, 6.0], [7.0, 2.0]])
    w = cf.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]), device="cpu")
    opt = O.Muon(learning_rate=0.5, weight_decay=0)
    opt.apply([g], [w])
    m = g.copy()  # m = 0 + g + 0 * (mom - 1)
    upd = _ns(g + 0.95 * m, 5) * 0.5 * (2 ** 0.5 * 0.2)
    np.testing.assert_allclose(w.numpy(), [[1.0, 2.0], [3.0, 4.0]] - upd, rtol=1e-9)
    v = cf.Variable(np.array([1.0, 2.0, 3.0, 4.0]), device="cpu")
    opt = O.Muon(adam_weight_decay=0.0)
    opt.build([v])
    opt.update_step(cf.Tensor(np.array([1.0, 6.0, 7.0, 2.0])), v, 0.5)
    np.testing.assert_allclose(v.numpy(), [0.5, 1.5, 2.5, 3.5], atol=1e-4)


def test_weight_decay_routes_and_config_round_trip():
    mat = cf.Variable(np.ones((2, 2)), device="cpu")
    vec = cf.Variable(np.ones(2), device="cpu")
    opt = O.Muon(learning_rate=1.0, weight_decay=0.1, adam_weight_decay=0.01)
    opt._apply_weight_decay([mat, vec])
    np.testing.assert_allclose(mat.numpy(), 0.9)
    np.testing.assert_allclose(vec.numpy(), 0.99)
    assert O.Muon(exclude_layers=["last"])._should_use_adamw(
        cf.Variable(np.ones((2, 2)), name="last/kernel", device="cpu"))
    cfg = O.Muon(rms_rate=None, ns_steps=3).get_config()
    assert O.Muon.from_config(cfg).get_config() == cfg
