"""The Adam family (Adam, AdamW, Adamax, Nadam): trajectories vs the Keras 3 formulas, state
round trips, arguments, convergence, and the fused-update declaration of Adam / AdamW."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O
from cuflow.backend import get_backend

from ._references import (
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_adam,
    ref_adamax,
    ref_nadam,
)

CASES = [
    ("adam", lambda: O.Adam(0.01), lambda w, gs: ref_adam(w, gs, 0.01)),
    ("adam_amsgrad", lambda: O.Adam(0.02, beta_1=0.8, beta_2=0.99, amsgrad=True),
     lambda w, gs: ref_adam(w, gs, 0.02, 0.8, 0.99, amsgrad=True)),
    ("adamw", lambda: O.AdamW(0.01, weight_decay=0.1),
     lambda w, gs: ref_adam(w, gs, 0.01, wd=0.1)),
    ("adamax", lambda: O.Adamax(0.01), lambda w, gs: ref_adamax(w, gs, 0.01)),
    ("nadam", lambda: O.Nadam(0.01), lambda w, gs: ref_nadam(w, gs, 0.01)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("make", [lambda: O.Adam(0.01, amsgrad=True), lambda: O.Nadam(0.01),
                                  lambda: O.Adamax(0.01)], ids=["adam", "nadam", "adamax"])
def test_save_load_round_trip_continues_identically(make, device, rng):
    check_save_load_round_trip(make, device, rng)


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="weight_decay"):
        O.AdamW(weight_decay=None)


@pytest.mark.parametrize("cls", [O.Adam, O.Adamax, O.Nadam])
@pytest.mark.parametrize("kwargs,match", [({"beta_1": 1.5}, "beta_1=1.5"),
                                          ({"beta_2": -0.1}, "beta_2=-0.1"),
                                          ({"epsilon": -1.0}, "epsilon=-1.0")])
def test_bad_betas_and_epsilon_name_the_argument(cls, kwargs, match):
    with pytest.raises(ValueError, match=f"{cls.__name__}: .*{match}"):
        cls(**kwargs)


def test_defaults_match_keras():
    for cls in (O.Adam, O.AdamW, O.Adamax, O.Nadam):
        opt = cls()
        assert opt.learning_rate == 0.001 and opt.epsilon == 1e-7
        assert (opt.beta_1, opt.beta_2) == (0.9, 0.999)
    assert O.AdamW().weight_decay == 0.004


def test_adam_converges_on_quadratic(device):
    target = np.array([1.0, -2.0, 3.0, 0.5])
    v = cf.Variable(np.zeros(4), device=device)
    opt = O.Adam(0.05)
    xp = get_backend(device).xp
    tgt = xp.asarray(target)
    for _ in range(1500):
        opt.apply([2 * (v.data - tgt)], [v])  # d/dw |w - target|^2
    np.testing.assert_allclose(v.numpy(), target, atol=1e-3)


def test_fused_update_declares_moment_columns_and_bias_corrected_rate():
    v = [cf.Variable(np.ones((2, 2)), name="k", device="cpu")]
    opt = O.Adam(0.01, beta_1=0.8, beta_2=0.95, amsgrad=True)
    opt.build(v)
    spec = opt.fused_update_spec()
    assert spec.kind == "adam" and spec.options == {"amsgrad"}
    assert [col[0].name for col in spec.slots] == ["k_momentum", "k_velocity", "k_velocity_hat"]
    opt.iterations.data[...] = 2  # the next step is t = 3
    alpha, c1, c2, eps = opt.fused_hyperparameters(0.01)
    assert alpha == pytest.approx(0.01 * math.sqrt(1 - 0.95 ** 3) / (1 - 0.8 ** 3), rel=1e-15)
    assert (c1, c2, eps) == pytest.approx((0.2, 0.05, 1e-7))
    plain = O.AdamW(0.01)
    plain.build(v)
    assert len(plain.fused_update_spec().slots) == 2


@pytest.mark.parametrize("cls", [O.Adamax, O.Nadam])
def test_adamax_and_nadam_have_no_fused_kernel(cls):
    opt = cls()
    opt.build([cf.Variable(np.ones(3), device="cpu")])
    assert opt.fused_update_spec() is None
