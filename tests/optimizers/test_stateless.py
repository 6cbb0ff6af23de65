"""stateless_apply (optimizers/stateless.py): the new values come back, every Variable is left
as it was, and the results equal a stateful step."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O


def test_stateless_apply_equals_apply_and_changes_nothing():
    v = cf.Variable(np.array([1.0, 2.0], np.float32), device="cpu")
    opt = O.Adam(0.1)
    opt.build([v])
    before = [x.numpy().copy() for x in opt.variables]
    g = np.array([0.5, -1.0], np.float32)
    new_vars, new_opt = opt.stateless_apply([x.value for x in opt.variables], [g], [v.value])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    for x, b in zip(opt.variables, before):
        np.testing.assert_array_equal(x.numpy(), b)
    ref = cf.Variable(np.array([1.0, 2.0], np.float32), device="cpu")
    ref_opt = O.Adam(0.1)
    ref_opt.apply([g], [ref])
    np.testing.assert_allclose(new_vars[0].numpy(), ref.numpy())
    for got, want in zip(new_opt, ref_opt.variables):
        np.testing.assert_allclose(got.numpy(), want.numpy())


def test_stateless_apply_checks_build_and_lengths():
    v = cf.Variable(np.zeros(2, np.float32), device="cpu")
    opt = O.SGD(0.1)
    with pytest.raises(ValueError, match="must be built"):
        opt.stateless_apply([], [np.ones(2, np.float32)], [v.value])
    opt.build([v])
    with pytest.raises(ValueError, match="optimizer_variables"):
        opt.stateless_apply([], [np.ones(2, np.float32)], [v.value])


def test_loss_scale_optimizer_stateless_scale_lives_in_its_variables():
    v = cf.Variable(np.ones(2, np.float32), device="cpu")
    opt = O.LossScaleOptimizer(O.SGD(0.5), initial_scale=8.0)
    opt.build([v])
    values = [x.value for x in opt.variables]
    _, values = opt.stateless_apply(values, [np.array([np.inf, 0.0], np.float32)], [v.value])
    assert opt.loss_scale == 8.0 and float(values[1].numpy()) == 4.0
