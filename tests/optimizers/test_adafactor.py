"""Adafactor: trajectories vs the Keras 3 formula (factored second moments for rank >= 2),
slots like Keras, defaults, config round trip and argument errors."""

from __future__ import annotations

import pytest

import cuflow as cf
from cuflow import optimizers as O

from ._references import (
    check_config_round_trip,
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_adafactor,
)

CASES = [
    ("adafactor", lambda: O.Adafactor(0.1), lambda w, gs: ref_adafactor(w, gs, 0.1)),
    ("adafactor_args", lambda: O.Adafactor(0.5, beta_2_decay=-0.5, epsilon_1=1e-20,
                                           epsilon_2=0.05, clip_threshold=0.3,
                                           relative_step=False),
     lambda w, gs: ref_adafactor(w, gs, 0.5, -0.5, 1e-20, 0.05, 0.3)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


def test_save_load_round_trip_continues_identically(device, rng):
    check_save_load_round_trip(lambda: O.Adafactor(0.1, clip_threshold=0.5), device, rng)


def test_slot_variables_like_keras(rng):
    vs = [cf.Variable(rng.normal(size=(3, 2)), name="k"),
          cf.Variable(rng.normal(size=(4,)), name="b")]
    ada = O.Adafactor()
    ada.build(vs)
    # r, c, velocity per variable; rank-1 variables get scalar r/c placeholders as in Keras
    assert [tuple(v.shape) for v in ada.variables[2:]] == [(3,), (2,), (3, 2), (), (), (4,)]
    assert [v.name for v in ada.variables[2:]] == ["k", "k", "k_velocity", "b", "b",
                                                   "b_velocity"]


def test_defaults_and_config_round_trip():
    want = {"name": "adafactor", "learning_rate": 0.001, "beta_2_decay": -0.8,
            "epsilon_1": 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": True}
    cfg = O.Adafactor().get_config()
    assert {k: cfg[k] for k in want} == want
    check_config_round_trip(lambda: O.Adafactor(0.1, clip_threshold=0.5))
    assert type(O.get("Adafactor")) is O.Adafactor


@pytest.mark.parametrize("kwargs,match", [({"clip_threshold": 0.0}, "clip_threshold must be > 0"),
                                          ({"epsilon_1": "x"}, "epsilon_1 must be a number")])
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        O.Adafactor(**kwargs)
