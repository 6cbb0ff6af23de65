"""RMSprop (plain, centered, with momentum): trajectories vs the Keras 3 formula, state round
trips, arguments and the fused-update declaration."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O

from ._references import (
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_rmsprop,
)

CASES = [
    ("rmsprop", lambda: O.RMSprop(0.01), lambda w, gs: ref_rmsprop(w, gs, 0.01)),
    ("rmsprop_centered_momentum", lambda: O.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     lambda w, gs: ref_rmsprop(w, gs, 0.01, 0.8, 0.5, centered=True)),
    ("rmsprop_momentum", lambda: O.RMSprop(0.02, momentum=0.9),
     lambda w, gs: ref_rmsprop(w, gs, 0.02, momentum=0.9)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


def test_save_load_round_trip_continues_identically(device, rng):
    check_save_load_round_trip(lambda: O.RMSprop(0.01, momentum=0.9, centered=True), device, rng)


@pytest.mark.parametrize("arg", ["rho", "momentum", "epsilon"])
def test_negative_arguments_are_rejected(arg):
    with pytest.raises(ValueError, match=f"RMSprop: {arg} must be a number >= 0"):
        O.RMSprop(**{arg: -0.5})


def test_defaults_match_keras():
    opt = O.RMSprop()
    assert (opt.learning_rate, opt.rho, opt.momentum, opt.epsilon, opt.centered) == \
        (0.001, 0.9, 0.0, 1e-7, False)


def test_fused_update_declares_velocity_momentum_average_columns():
    v = [cf.Variable(np.ones(3), name="w", device="cpu")]
    plain = O.RMSprop(0.01)
    plain.build(v)
    spec = plain.fused_update_spec()
    # no momentum slot: its column repeats the velocity (the kernel never writes it)
    assert spec.options == frozenset() and [c[0].name for c in spec.slots] == ["w_velocity"] * 2
    full = O.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True)
    full.build(v)
    spec = full.fused_update_spec()
    assert spec.options == {"momentum", "centered"}
    assert [c[0].name for c in spec.slots] == ["w_velocity", "w_momentum", "w_average_gradient"]
    assert full.fused_hyperparameters(0.01) == pytest.approx((0.8, 0.2, 1e-7, 0.5))
