"""Adagrad and Adadelta: trajectories vs the Keras 3 formulas, state round trips, arguments."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O

from ._references import (
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_adadelta,
    ref_adagrad,
)

CASES = [
    ("adagrad", lambda: O.Adagrad(0.1), lambda w, gs: ref_adagrad(w, gs, 0.1)),
    ("adagrad_init", lambda: O.Adagrad(0.05, initial_accumulator_value=0.5, epsilon=1e-5),
     lambda w, gs: ref_adagrad(w, gs, 0.05, 0.5, 1e-5)),
    ("adadelta", lambda: O.Adadelta(1.0), lambda w, gs: ref_adadelta(w, gs, 1.0)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("make", [lambda: O.Adagrad(0.1), lambda: O.Adadelta(1.0)],
                         ids=["adagrad", "adadelta"])
def test_save_load_round_trip_continues_identically(make, device, rng):
    check_save_load_round_trip(make, device, rng)


def test_defaults_match_keras():
    assert O.Adagrad().learning_rate == 0.001 and O.Adadelta().learning_rate == 0.001
    assert O.Adadelta().rho == 0.95


@pytest.mark.parametrize("make,arg", [
    (lambda: O.Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: O.Adagrad(epsilon=-1.0), "epsilon"),
    (lambda: O.Adadelta(rho=-0.1), "rho"),
])
def test_negative_arguments_are_rejected(make, arg):
    with pytest.raises(ValueError, match=f"{arg} must be a number >= 0"):
        make()


def test_accumulator_starts_at_the_initial_value():
    opt = O.Adagrad(initial_accumulator_value=0.3)
    opt.build([cf.Variable(np.ones((2, 2)), device="cpu")])
    np.testing.assert_array_equal(opt.variables[2].numpy(), np.full((2, 2), 0.3))
