"""Lion: trajectories vs the Keras 3 formula, weight decay through the base class, slots,
defaults, config round trip and argument errors."""

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
    ref_lion,
)

CASES = [
    ("lion", lambda: O.Lion(0.01), lambda w, gs: ref_lion(w, gs, 0.01)),
    ("lion_betas", lambda: O.Lion(0.003, beta_1=0.5, beta_2=0.8),
     lambda w, gs: ref_lion(w, gs, 0.003, 0.5, 0.8)),
]


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_keras_formula(name, make, ref, device, rng):
    check_trajectory(name, make, ref, device, rng)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
def test_float32_trajectory(name, make, ref, device, rng):
    check_float32_trajectory(name, make, ref, device, rng)


def test_save_load_round_trip_continues_identically(device, rng):
    check_save_load_round_trip(lambda: O.Lion(0.01, beta_2=0.95), device, rng)


def test_weight_decay_through_the_base_class(device, rng):
    w0, gs = rng.normal(size=(6,)), [rng.normal(size=(6,)) for _ in range(5)]
    v = cf.Variable(w0.copy(), device=device)
    opt = O.Lion(0.01, weight_decay=0.5)
    for g in gs:
        opt.apply([as_device(g, device)], [v])
    np.testing.assert_allclose(v.numpy(), ref_lion(w0, gs, 0.01, wd=0.5), rtol=1e-12)


def test_slot_variables_like_keras(rng):
    vs = [cf.Variable(rng.normal(size=(3, 2)), name="k"),
          cf.Variable(rng.normal(size=(4,)), name="b")]
    lion = O.Lion()
    lion.build(vs)
    assert [tuple(v.shape) for v in lion.variables[2:]] == [(3, 2), (4,)]
    assert [v.name for v in lion.variables[2:]] == ["k_momentum", "b_momentum"]


def test_defaults_and_config_round_trip():
    cfg = O.Lion().get_config()
    assert {k: cfg[k] for k in ("name", "learning_rate", "beta_1", "beta_2")} == \
        {"name": "lion", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99}
    assert cfg["weight_decay"] is None and cfg["use_ema"] is False
    check_config_round_trip(lambda: O.Lion(0.01, beta_2=0.95))
    assert type(O.get("lion")) is O.Lion


@pytest.mark.parametrize("kwargs,match", [
    ({"beta_1": 0.0}, "beta_1"), ({"beta_1": 1.5}, "beta_1"), ({"beta_2": "x"}, "beta_2")])
def test_rejects_bad_betas(kwargs, match):
    with pytest.raises(ValueError, match=match):
        O.Lion(**kwargs)
