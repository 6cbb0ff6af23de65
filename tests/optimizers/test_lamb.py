"""Lamb: trajectories vs the Keras 3 formula (the layer-wise trust ratio), zero weights, slots,
defaults and config round trip (a schedule included)."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O

from ._references import (
    as_device,
    check_config_round_trip,
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_lamb,
)

CASES = [
    ("lamb", lambda: O.Lamb(0.01), lambda w, gs: ref_lamb(w, gs, 0.01)),
    ("lamb_betas", lambda: O.Lamb(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
     lambda w, gs: ref_lamb(w, gs, 0.02, 0.8, 0.99, 1e-5)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


def test_save_load_round_trip_continues_identically(device, rng):
    check_save_load_round_trip(lambda: O.Lamb(0.01, epsilon=1e-6), device, rng)


def test_zero_weights_use_ratio_one(device):
    v = cf.Variable(np.zeros(3), device=device)
    opt = O.Lamb(0.1)
    g = np.array([1.0, -2.0, 0.5])
    opt.apply([as_device(g, device)], [v])
    np.testing.assert_allclose(v.numpy(), ref_lamb(np.zeros(3), [g], 0.1), rtol=1e-12)


def test_slot_variables_like_keras(rng):
    vs = [cf.Variable(rng.normal(size=(3, 2)), name="k"),
          cf.Variable(rng.normal(size=(4,)), name="b")]
    lamb = O.Lamb()
    lamb.build(vs)
    assert [v.name for v in lamb.variables[2:]] == ["k_momentum", "k_velocity", "b_momentum",
                                                    "b_velocity"]


def test_defaults_and_config_round_trip():
    want = {"name": "lamb", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-7}
    cfg = O.Lamb().get_config()
    assert {k: cfg[k] for k in want} == want
    check_config_round_trip(lambda: O.Lamb(0.01, epsilon=1e-6))
    sched = O.schedules.ExponentialDecay(0.1, 10, 0.5)
    lamb = O.Lamb(sched)
    assert O.Lamb.from_config(lamb.get_config()).get_config() == lamb.get_config()
    assert type(O.get("lamb")) is O.Lamb
