"""SGD: trajectories (plain, momentum, Nesterov) vs the Keras 3 formula, state round trips,
argument errors and the fused-update declaration."""

from __future__ import annotations

import pytest

from cuflow import optimizers as O

from ._references import (
    check_float32_trajectory,
    check_save_load_round_trip,
    check_trajectory,
    ref_sgd,
)

CASES = [
    ("sgd", lambda: O.SGD(0.1), lambda w, gs: ref_sgd(w, gs, 0.1)),
    ("sgd_momentum", lambda: O.SGD(0.1, momentum=0.9),
     lambda w, gs: ref_sgd(w, gs, 0.1, 0.9)),
    ("sgd_nesterov", lambda: O.SGD(0.05, momentum=0.8, nesterov=True),
     lambda w, gs: ref_sgd(w, gs, 0.05, 0.8, True)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


def test_save_load_round_trip_continues_identically(device, rng):
    check_save_load_round_trip(lambda: O.SGD(0.1, momentum=0.9), device, rng)


@pytest.mark.parametrize("kwargs,match", [
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, "Only one of `clipnorm`"),
    ({"learning_rate": "fast"}, "learning_rate.*'fast'"),
    ({"momentum": 1.5}, "momentum=1.5"),
    ({"momentum": True}, "momentum=True"),
])
def test_bad_sgd_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        O.SGD(**kwargs)


def test_defaults_and_config_match_keras():
    opt = O.SGD()
    assert opt.learning_rate == 0.01 and opt.momentum == 0.0 and opt.nesterov is False
    cfg = O.SGD(0.2, momentum=0.5, nesterov=True).get_config()
    assert (cfg["learning_rate"], cfg["momentum"], cfg["nesterov"]) == (0.2, 0.5, True)


def test_fused_update_declares_its_momentum_column():
    import cuflow as cf

    v = [cf.Variable([1.0, 2.0], device="cpu"), cf.Variable([3.0], device="cpu")]
    plain = O.SGD(0.1)
    plain.build(v)
    spec = plain.fused_update_spec()
    assert (spec.kind, spec.options, spec.slots) == ("sgd", frozenset(), [])
    nest = O.SGD(0.1, momentum=0.7, nesterov=True)
    nest.build(v)
    spec = nest.fused_update_spec()
    assert spec.options == {"momentum", "nesterov"}
    assert [[s.name for s in col] for col in spec.slots] == [[m.name for m in nest.momentums]]
    assert nest.fused_hyperparameters(0.1) == (0.7,)
