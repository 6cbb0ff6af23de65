"""MultiOptimizer / OptimizerMap (optimizers/multi_optimizer.py): routing by variable path,
updates equal to each sub-optimizer alone, loss-scale override, nesting refused, config."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O


def _var(scope, value):
    with cf.name_scope(scope):
        return cf.Variable(np.array(value, np.float32), name="kernel", device="cpu")


def test_optimizer_map_matches_exact_then_one_pattern_else_default():
    adam, sgd, default = O.Adam(), O.SGD(), O.RMSprop()
    m = O.OptimizerMap(default_optimizer=default, optimizer_map={"^dense/.*": adam})
    m["conv/kernel"] = sgd
    assert m(_var("dense", [1.0])) is adam and m(_var("conv", [1.0])) is sgd
    assert m(cf.Variable(np.ones(1, np.float32), name="bias", device="cpu")) is default
    m[".*kernel"] = sgd
    with pytest.raises(ValueError, match="Multiple optimizers"):
        m(_var("dense", [1.0]))
    with pytest.raises(ValueError, match="already exists"):
        m["conv/kernel"] = adam
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        m["x"] = O.LossScaleOptimizer(O.SGD())


def test_apply_routes_each_variable_and_counts_iterations():
    w1, w2, w3 = _var("a", [2.0, 2.0]), _var("b", [3.0, 3.0]), _var("c", [4.0, 4.0])
    s1, s2, s0 = O.SGD(0.1), O.SGD(1.0), O.SGD(0.0)
    multi = O.MultiOptimizer(O.OptimizerMap(s0, {"a/.*": s1, "b/.*": s2}))
    g = np.ones(2, np.float32)
    multi.apply([g, g, g], [w1, w2, w3])
    np.testing.assert_allclose(w1.numpy(), 1.9)
    np.testing.assert_allclose(w2.numpy(), 2.0)
    np.testing.assert_allclose(w3.numpy(), 4.0)
    assert int(multi.iterations.numpy()) == 1 and multi.optimizers == [s1, s2, s0]
    assert len(multi.variables) == 2 + sum(len(o.variables) for o in multi.optimizers)
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate  # noqa: B018


def test_loss_scale_factor_overrides_the_sub_optimizers():
    w = _var("d", [2.0, 2.0])
    sgd = O.SGD(0.1, loss_scale_factor=2.0)
    multi = O.MultiOptimizer(O.OptimizerMap(sgd), loss_scale_factor=5.0)
    multi.apply([np.full(2, 10.0, np.float32)], [w])
    np.testing.assert_allclose(w.numpy(), 1.8)
    assert float(multi.scale_loss(cf.Tensor(np.float32(2.0))).numpy()) == 10.0


def test_nested_wrappers_refused_at_build_and_config_round_trip():
    inner = O.SGD(0.1)
    for wrapped, msg in ((O.LossScaleOptimizer(O.SGD()), "LossScaleOptimizer cannot"),
                         (O.MultiOptimizer(O.OptimizerMap(inner)), "MultiOptimizer cannot")):
        m = O.OptimizerMap(inner)
        m._optimizer_map = {".*": wrapped}
        with pytest.raises(ValueError, match=msg):
            O.MultiOptimizer(m).build([_var("x", [1.0])])
    multi = O.MultiOptimizer(O.OptimizerMap(O.RMSprop(1e-4), {"a/.*": O.Adam()}))
    clone = O.deserialize(O.serialize(multi))
    clone.build([_var("a", [1.0]), _var("z", [1.0])])
    assert [type(o).__name__ for o in clone.optimizers] == ["Adam", "RMSprop"]


def test_name_scope_sets_paths_not_names():
    with cf.name_scope("outer"), cf.name_scope("inner"):
        v = cf.Variable(np.zeros(1, np.float32), name="w", device="cpu")
    assert v.name == "w" and v.path == "outer/inner/w"
    assert cf.Variable(np.zeros(1, np.float32), name="u", device="cpu").path == "u"
