"""Moving averages of the weights (optimizers/ema.py, ``use_ema``): the average follows its
formula, replaces the weights at the end of fit and every ``ema_overwrite_frequency`` steps,
for optimizers whose update is independent of it."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O
from cuflow.optimizers import ema

from ._references import as_device


def test_ema_tracks_and_finalizes(device, rng):
    w = rng.normal(size=(3,))
    v = cf.Variable(w.copy(), device=device)
    opt = O.SGD(0.1, use_ema=True, ema_momentum=0.9)
    g = rng.normal(size=(3,))
    ref_w, ref_avg = w.copy(), None
    for t in range(4):
        opt.apply([as_device(g, device)], [v])
        ref_w = ref_w - 0.1 * g
        mom = 0.0 if t == 0 else 0.9
        ref_avg = ref_w.copy() if ref_avg is None else mom * ref_avg + (1 - mom) * ref_w
    np.testing.assert_allclose(v.numpy(), ref_w)
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), ref_avg)


@pytest.mark.parametrize("make", [lambda: O.Lion(0.01), lambda: O.Adafactor(0.1),
                                  lambda: O.Ftrl(0.1), lambda: O.Lamb(0.01)],
                         ids=["lion", "adafactor", "ftrl", "lamb"])
def test_ema_leaves_the_update_alone(make, device, rng):
    w0 = rng.normal(size=(3, 2))
    gs = [rng.normal(size=(3, 2)) for _ in range(4)]
    plain = cf.Variable(w0.copy(), device=device)
    p = make()
    opt2 = type(p).from_config({**p.get_config(), "use_ema": True, "ema_momentum": 0.9})
    v2 = cf.Variable(w0.copy(), device=device)
    avg = None
    for t, g in enumerate(gs):
        p.apply([as_device(g, device)], [plain])
        opt2.apply([as_device(g, device)], [v2])
        mom = 0.0 if t == 0 else 0.9
        w = plain.numpy()
        avg = w.copy() if avg is None else mom * avg + (1 - mom) * w
    np.testing.assert_allclose(v2.numpy(), plain.numpy(), rtol=1e-12)
    opt2.finalize_variable_values([v2])
    np.testing.assert_allclose(v2.numpy(), avg, rtol=1e-10)


def test_overwrite_frequency_writes_the_average_every_n_steps():
    v = cf.Variable(np.zeros(2), device="cpu")
    opt = O.SGD(1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    g = np.array([1.0, -1.0])
    opt.apply([g], [v])  # step 1: w = -g, average = w
    np.testing.assert_allclose(v.numpy(), [-1.0, 1.0])
    opt.apply([g], [v])  # step 2: w = -2g, average = (-g + -2g) / 2, then w := average
    np.testing.assert_allclose(v.numpy(), [-1.5, 1.5])
    np.testing.assert_allclose(opt._ema[0].numpy(), [-1.5, 1.5])


def test_overwrite_with_ema_checks_the_variable_count():
    vs = [cf.Variable(np.ones(2), device="cpu"), cf.Variable(np.ones(3), device="cpu")]
    opt = O.SGD(0.1, use_ema=True)
    opt.build(vs)
    with pytest.raises(ValueError, match="received 1 variables.*holds 2"):
        ema.overwrite_with_ema(opt, vs[:1])
    ema.update_ema(opt)  # step 0: the average becomes a copy of the variables
    vs[0].assign(np.zeros(2))
    ema.overwrite_with_ema(opt, vs)
    np.testing.assert_array_equal(vs[0].numpy(), np.ones(2))


def test_bad_ema_arguments():
    with pytest.raises(ValueError, match="ema_momentum"):
        O.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        O.SGD(use_ema=True, ema_overwrite_frequency=0.5)
