"""Optimizer API: arguments, clipping, errors, state round trips, config and lookup."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O
from cuflow.backend import get_backend

from .test_lion_adafactor_ftrl_lamb import MAKERS as NEW_MAKERS


def _vars(rng, device, shapes=((3, 2), (4,))):
    return [cf.Variable(rng.normal(size=s), device=device) for s in shapes]


def _grads(rng, device, variables, scale=1.0):
    return [get_backend(device).asarray(rng.normal(size=v.shape) * scale) for v in variables]


# ---- constructor arguments -----------------------------------------------------------------
def test_lr_alias_warns_and_sets():
    with pytest.warns(UserWarning, match="lr.*deprecated.*learning_rate"):
        opt = O.Adam(lr=0.5)
    assert opt.learning_rate == 0.5


def test_lr_and_learning_rate_together_raise():
    with pytest.raises(ValueError, match="not both"):
        O.SGD(learning_rate=0.2, lr=0.1)


def test_unknown_kwarg_raises_type_error_naming_it():
    with pytest.raises(TypeError, match="momentumm"):
        O.SGD(0.1, momentumm=0.9)


@pytest.mark.parametrize("kwargs,match", [
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, "only one of"),
    ({"learning_rate": "fast"}, "learning_rate.*'fast'"),
    ({"momentum": 1.5}, "momentum=1.5"),
])
def test_bad_sgd_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        O.SGD(**kwargs)


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="weight_decay"):
        O.AdamW(weight_decay=None)


def test_defaults_match_keras():
    assert O.SGD().learning_rate == 0.01
    for cls in (O.Adam, O.AdamW, O.RMSprop, O.Adagrad, O.Adadelta, O.Adamax, O.Nadam):
        assert cls().learning_rate == 0.001
    assert O.AdamW().weight_decay == 0.004
    assert O.Adam().epsilon == 1e-7 and O.RMSprop().rho == 0.9 and O.Adadelta().rho == 0.95


# ---- learning rate -------------------------------------------------------------------------
def test_learning_rate_settable_and_float():
    opt = O.Adam(0.01)
    assert isinstance(opt.learning_rate, float)
    opt.learning_rate = 0.5  # what ReduceLROnPlateau does
    assert opt.learning_rate == 0.5
    assert opt.get_config()["learning_rate"] == 0.5
    opt.learning_rate = O.schedules.InverseTimeDecay(1.0, 1, 1.0)
    assert opt.learning_rate == 1.0
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1


# ---- clipping ------------------------------------------------------------------------------
def test_clipvalue(device):
    v = cf.Variable(np.zeros(4), device=device)
    opt = O.SGD(1.0, clipvalue=0.5)
    opt.apply([get_backend(device).asarray(np.array([-2.0, -0.2, 0.3, 9.0]))], [v])
    np.testing.assert_allclose(v.numpy(), [0.5, 0.2, -0.3, -0.5])


def test_clipnorm_per_gradient(device, rng):
    vs = _vars(rng, device)
    w0 = [v.numpy().copy() for v in vs]
    gs = _grads(rng, device, vs, scale=3.0)
    host = [get_backend(device).to_numpy(g) for g in gs]
    O.SGD(1.0, clipnorm=0.7).apply(gs, vs)
    for v, w, g in zip(vs, w0, host):
        n = np.linalg.norm(g)
        np.testing.assert_allclose(v.numpy(), w - g * 0.7 / max(n, 0.7))


def test_global_clipnorm(device, rng):
    vs = _vars(rng, device)
    w0 = [v.numpy().copy() for v in vs]
    gs = _grads(rng, device, vs, scale=3.0)
    host = [get_backend(device).to_numpy(g) for g in gs]
    O.SGD(1.0, global_clipnorm=1.5).apply(gs, vs)
    n = math.sqrt(sum(float(np.sum(g * g)) for g in host))
    for v, w, g in zip(vs, w0, host):
        np.testing.assert_allclose(v.numpy(), w - g * 1.5 / max(n, 1.5))


def test_global_clipnorm_leaves_small_gradients(device, rng):
    vs = _vars(rng, device)
    w0 = [v.numpy().copy() for v in vs]
    gs = _grads(rng, device, vs, scale=1e-3)
    host = [get_backend(device).to_numpy(g) for g in gs]
    O.SGD(1.0, global_clipnorm=10.0).apply(gs, vs)
    for v, w, g in zip(vs, w0, host):
        np.testing.assert_allclose(v.numpy(), w - g)


# ---- bad input -----------------------------------------------------------------------------
def test_shape_mismatch_names_variable_and_shapes(device, rng):
    v = cf.Variable(np.zeros((3, 2)), name="dense/kernel", device=device)
    g = get_backend(device).asarray(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dense/kernel.*\(2, 3\).*\(3, 2\)"):
        O.Adam().apply([g], [v])


def test_none_gradient_skipped_with_warning(device, rng):
    a, b = _vars(rng, device)
    b0 = b.numpy().copy()
    opt = O.SGD(0.1)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([get_backend(device).asarray(np.ones(a.shape)), None], [a, b])
    np.testing.assert_array_equal(b.numpy(), b0)
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None, None], [a, b])


def test_unknown_variable_raises(rng):
    a, b = _vars(rng, "cpu")
    opt = O.SGD(0.1)
    opt.apply([np.ones(a.shape)], [a])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([np.ones(b.shape)], [b])


def test_apply_without_variables_needs_build(rng):
    (a,) = _vars(rng, "cpu", shapes=((2,),))
    opt = O.SGD(0.1)
    with pytest.raises(ValueError, match="build"):
        opt.apply([np.ones(2)])
    opt.build([a])
    opt.apply([np.ones(2)])
    assert int(opt.iterations.numpy()) == 1


@pytest.mark.gpu
def test_device_mismatch_raises():
    v = cf.Variable(np.zeros(3), name="w", device="cpu")
    g = get_backend("gpu:0").asarray(np.ones(3))
    with pytest.raises(ValueError, match="gpu:0.*cpu"):
        O.SGD(0.1).apply([g], [v])


# ---- state ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: O.Adam(0.01, amsgrad=True), lambda: O.Nadam(0.01),
                                  lambda: O.RMSprop(0.01, momentum=0.9, centered=True),
                                  lambda: O.SGD(0.1, momentum=0.9), lambda: O.Adadelta(1.0),
                                  *NEW_MAKERS])
def test_save_load_round_trip_continues_identically(make, device, rng):
    w0 = [rng.normal(size=(3, 2)), rng.normal(size=(4,)), rng.normal(size=(2, 2, 3))]
    grads = [[rng.normal(size=w.shape) for w in w0] for _ in range(6)]
    bk = get_backend(device)

    def run(opt, vs, steps):
        for step in steps:
            opt.apply([bk.asarray(g) for g in step], vs)

    va = [cf.Variable(w.copy(), device=device) for w in w0]
    a = make()
    run(a, va, grads[:3])
    store = {}
    a.save_own_variables(store)
    assert list(store) == [str(i) for i in range(len(a.variables))]
    assert all(isinstance(x, np.ndarray) for x in store.values())
    vb = [cf.Variable(v.numpy().copy(), device=device) for v in va]
    b = make()
    b.build(vb)
    b.load_own_variables(store)
    assert int(b.iterations.numpy()) == 3
    run(a, va, grads[3:])
    run(b, vb, grads[3:])
    for x, y in zip(va, vb):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_variables_order_like_keras(rng):
    vs = _vars(rng, "cpu")
    opt = O.Adam()
    opt.build(vs)
    names = [v.name for v in opt.variables]
    assert len(names) == 2 + 2 * len(vs)
    assert names[0].endswith("iteration") and names[1].endswith("learning_rate")
    assert names[2].endswith("_momentum") and names[3].endswith("_velocity")


def test_load_rejects_mismatch(rng):
    vs = _vars(rng, "cpu")
    opt = O.Adam()
    opt.build(vs)
    store = {}
    opt.save_own_variables(store)
    short = dict(store)
    short.pop(str(len(store) - 1))
    with pytest.raises(ValueError, match=f"has {len(store)} variables.*holds {len(store) - 1}"):
        opt.load_own_variables(short)
    store["2"] = np.zeros((9, 9))
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*\(9, 9\)"):
        opt.load_own_variables(store)


# ---- config and lookup ---------------------------------------------------------------------
def test_config_round_trip_with_schedule():
    sched = O.schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=10)
    opt = O.RMSprop(sched, rho=0.8, centered=True, clipnorm=2.0, name="r")
    cfg = opt.get_config()
    assert cfg["learning_rate"]["class_name"] == "CosineDecay"
    clone = O.RMSprop.from_config(cfg)
    assert clone.get_config() == cfg
    again = O.deserialize(O.serialize(opt))
    assert type(again) is O.RMSprop and again.get_config() == cfg


def test_get():
    for name in ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"):
        assert type(O.get(name.upper())).__name__.lower() == name
    opt = O.Adam()
    assert O.get(opt) is opt
    assert isinstance(O.get({"class_name": "SGD", "config": {"learning_rate": 0.3}}), O.SGD)
    with pytest.raises(ValueError, match="adamw"):
        O.get("adamm")


def test_no_warnings_in_normal_use(rng):
    vs = _vars(rng, "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt = O.Adam(global_clipnorm=1.0)
        for _ in range(2):
            opt.apply_gradients(zip(_grads(rng, "cpu", vs), vs))
