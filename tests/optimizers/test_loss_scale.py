"""LossScaleOptimizer (optimizers/loss_scale.py): the loss is scaled, gradients unscaled, a
non-finite step skipped with the scale halved, the scale doubled after enough good steps, and
the wrapper's config round trip and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O


def test_scaled_gradients_are_unscaled_before_the_update():
    v = cf.Variable(np.zeros(2, np.float32), device="cpu")
    opt = O.LossScaleOptimizer(O.SGD(0.5), initial_scale=8.0)
    assert float(opt.scale_loss(cf.Tensor(np.float32(2.0))).numpy()) == 16.0
    opt.apply([np.array([8.0, -16.0], np.float32)], [v])  # gradients of the scaled loss
    np.testing.assert_allclose(v.numpy(), [-0.5, 1.0])
    assert int(opt.iterations.numpy()) == 1 and opt.learning_rate == 0.5


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_step_is_skipped_and_the_scale_halved(bad):
    v = cf.Variable(np.ones(2, np.float32), device="cpu")
    opt = O.LossScaleOptimizer(O.SGD(0.1), initial_scale=4.0)
    opt.apply([np.array([bad, 0.0], np.float32)], [v])
    np.testing.assert_array_equal(v.numpy(), np.ones(2))
    assert opt.loss_scale == 2.0 and opt.skipped_steps == 1
    assert int(opt.iterations.numpy()) == 0


def test_scale_doubles_after_growth_steps_and_static_scale_stays():
    v = cf.Variable(np.zeros(1, np.float32), device="cpu")
    opt = O.LossScaleOptimizer(O.SGD(0.1), initial_scale=2.0, dynamic_growth_steps=2)
    for _ in range(4):
        opt.apply([np.ones(1, np.float32)], [v])
    assert opt.loss_scale == 8.0
    assert [x.name for x in opt.variables[:2]] == ["step_counter", "dynamic_scale"]
    assert float(opt.dynamic_scale.numpy()) == 8.0
    with pytest.raises(ValueError, match="set `loss_scale_factor`"):
        O.LossScaleOptimizer(O.SGD(0.1), dynamic=False)


def test_config_round_trip_and_errors():
    opt = O.LossScaleOptimizer(O.Adam(0.01), initial_scale=16.0, dynamic_growth_steps=10)
    clone = O.LossScaleOptimizer.from_config(opt.get_config())
    assert clone.get_config() == opt.get_config()
    assert isinstance(clone.inner_optimizer, O.Adam)
    with pytest.raises(TypeError, match="wraps a cuflow Optimizer"):
        O.LossScaleOptimizer("adam")
    with pytest.raises(ValueError, match="initial_scale"):
        O.LossScaleOptimizer(O.SGD(), initial_scale=0)
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        O.LossScaleOptimizer(O.SGD(), dynamic_growth_steps=0)
    with pytest.raises(ValueError, match="arguments: `bogus`"):
        O.LossScaleOptimizer(O.SGD(), bogus=1)
    with pytest.raises(ValueError, match="on the `inner_optimizer`"):
        O.LossScaleOptimizer(O.SGD(), clipnorm=1.0)
    O.LossScaleOptimizer(O.SGD(), clipnorm=None, use_ema=False)  # old configs' defaults
    assert sorted(opt.get_config()) == ["dynamic_growth_steps", "initial_scale",
                                        "inner_optimizer", "name"]
