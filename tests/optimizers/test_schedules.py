"""Learning-rate schedules vs Keras's formulas, on host ints and 0-d arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cuflow.backend import get_backend
from cuflow.optimizers import schedules as S

STEPS = [0, 1, 5, 10, 17, 100, 1000]


def _cosine(step, lr, steps, alpha):
    s = min(step, steps)
    return lr * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / steps)) + alpha)


def _cosine_warm(step, lr, steps, alpha, target, ws):
    s = min(step, steps + ws)
    if s < ws:
        return (target - lr) * s / ws + lr
    return _cosine(s - ws, target, steps, alpha)


def _poly(step, lr, steps, end, power, cycle):
    if cycle:
        steps = steps * (1.0 if step == 0 else math.ceil(step / steps))
    else:
        step = min(step, steps)
    return (lr - end) * (1 - step / steps) ** power + end


def _sgdr(step, lr, first, t_mul, m_mul, alpha):
    frac = step / first
    if t_mul == 1.0:
        i = math.floor(frac)
        frac -= i
    else:
        i = math.floor(math.log(1 - frac * (1 - t_mul)) / math.log(t_mul))
        frac = (frac - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
    return lr * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * frac)) + alpha)


CASES = [
    (S.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (S.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10)),
    (S.InverseTimeDecay(0.1, 5, 0.3), lambda s: 0.1 / (1 + 0.3 * s / 5)),
    (S.InverseTimeDecay(0.1, 5, 0.3, staircase=True), lambda s: 0.1 / (1 + 0.3 * (s // 5))),
    (S.PiecewiseConstantDecay([5, 17], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 5 else (0.5 if s <= 17 else 0.1)),
    (S.CosineDecay(0.1, 50, alpha=0.1), lambda s: _cosine(s, 0.1, 50, 0.1)),
    (S.CosineDecay(0.0, 50, warmup_target=0.2, warmup_steps=10),
     lambda s: _cosine_warm(s, 0.0, 50, 0.0, 0.2, 10)),
    (S.PolynomialDecay(0.1, 20, end_learning_rate=0.01, power=2.0),
     lambda s: _poly(s, 0.1, 20, 0.01, 2.0, False)),
    (S.PolynomialDecay(0.1, 20, power=0.5, cycle=True),
     lambda s: _poly(s, 0.1, 20, 0.0001, 0.5, True)),
    (S.CosineDecayRestarts(0.1, 10, t_mul=2.0, m_mul=0.5, alpha=0.05),
     lambda s: _sgdr(s, 0.1, 10, 2.0, 0.5, 0.05)),
    (S.CosineDecayRestarts(0.1, 10, t_mul=1.0), lambda s: _sgdr(s, 0.1, 10, 1.0, 1.0, 0.0)),
]


@pytest.mark.parametrize("sched,formula", CASES, ids=lambda c: type(c).__name__)
def test_schedule_matches_formula(sched, formula, device):
    xp = get_backend(device).xp
    for s in STEPS:
        want = formula(s)
        got = sched(s)
        assert isinstance(got, float)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), s
        arr = sched(xp.asarray(s, dtype=np.int64))
        assert arr.shape == ()
        assert float(arr) == pytest.approx(want, rel=1e-12, abs=1e-15), s


@pytest.mark.parametrize("sched,formula", CASES, ids=lambda c: type(c).__name__)
def test_schedule_config_round_trip(sched, formula):
    clone = S.deserialize(S.serialize(sched))
    assert type(clone) is type(sched) and clone.get_config() == sched.get_config()
    assert clone(7) == sched(7)
    assert S.get(S.serialize(sched)).get_config() == sched.get_config()


@pytest.mark.parametrize("make,match", [
    (lambda: S.ExponentialDecay(0.1, 0, 0.5), "decay_steps=0"),
    (lambda: S.CosineDecay(0.1, -3), "decay_steps=-3"),
    (lambda: S.PolynomialDecay(0.1, 0), "decay_steps=0"),
    (lambda: S.InverseTimeDecay("x", 5, 0.1), "initial_learning_rate='x'"),
    (lambda: S.PiecewiseConstantDecay([1, 2], [1.0, 0.5]), r"length 2.*length 2"),
    (lambda: S.CosineDecay(0.1, 10, warmup_steps=-1), "warmup_steps=-1"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_schedule_class():
    with pytest.raises(ValueError, match="ExponentialDecay"):
        S.deserialize({"class_name": "Nope", "config": {}})
