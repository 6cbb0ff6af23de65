"""Ftrl: trajectories vs the Keras 3 formula (regularized and fixed-rate variants), slots like
Keras, defaults, config round trip and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O

from ._references import (
    check_config_round_trip,
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_ftrl,
)

CASES = [
    ("ftrl", lambda: O.Ftrl(0.1), lambda w, gs: ref_ftrl(w, gs, 0.1)),
    ("ftrl_regularized", lambda: O.Ftrl(0.2, learning_rate_power=-0.3,
                                        initial_accumulator_value=0.5,
                                        l1_regularization_strength=0.05,
                                        l2_regularization_strength=0.1,
                                        l2_shrinkage_regularization_strength=0.2, beta=0.3),
     lambda w, gs: ref_ftrl(w, gs, 0.2, -0.3, 0.5, 0.05, 0.1, 0.2, 0.3)),
    ("ftrl_fixed_rate", lambda: O.Ftrl(0.05, learning_rate_power=0.0,
                                       initial_accumulator_value=0.0),
     lambda w, gs: ref_ftrl(w, gs, 0.05, 0.0, 0.0)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


def test_save_load_round_trip_continues_identically(device, rng):
    check_save_load_round_trip(
        lambda: O.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.1), device, rng)


def test_slot_variables_like_keras(rng):
    vs = [cf.Variable(rng.normal(size=(3, 2)), name="k"),
          cf.Variable(rng.normal(size=(4,)), name="b")]
    ftrl = O.Ftrl(initial_accumulator_value=0.3)
    ftrl.build(vs)
    assert [v.name for v in ftrl.variables[2:]] == ["accumulator", "k_linear", "accumulator",
                                                    "b_linear"]
    np.testing.assert_array_equal(ftrl.variables[2].numpy(), np.full((3, 2), 0.3))


def test_defaults_and_config_round_trip():
    want = {"name": "ftrl", "learning_rate": 0.001, "learning_rate_power": -0.5,
            "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
            "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
            "beta": 0.0}
    cfg = O.Ftrl().get_config()
    assert {k: cfg[k] for k in want} == want
    check_config_round_trip(lambda: O.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.1))
    assert type(O.get("FTRL")) is O.Ftrl


@pytest.mark.parametrize("kwargs", [{"initial_accumulator_value": -0.1},
                                    {"learning_rate_power": 0.5},
                                    {"l1_regularization_strength": -1.0},
                                    {"l2_regularization_strength": -1.0},
                                    {"l2_shrinkage_regularization_strength": -1.0}])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        O.Ftrl(**kwargs)
