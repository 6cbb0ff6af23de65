"""The Optimizer base class (optimizers/base.py): arguments, the learning rate and schedules,
weight decay and its exclusions, constraints, bad input, state order, config and lookup, and
training through compile / fit / save with optimizers picked by name."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O
from cuflow.backend import get_backend

from ._references import as_device


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
    with pytest.raises(TypeError, match="bogus"):
        O.Lamb(bogus=1)


def test_decay_is_ignored_with_a_warning_and_bad_accumulation_steps_refused():
    with pytest.warns(UserWarning, match="decay.*no longer supported"):
        O.SGD(0.1, decay=0.5)
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="gradient_accumulation_steps"):
            O.Adam(gradient_accumulation_steps=bad)
    assert O.Adam(gradient_accumulation_steps=2).gradient_accumulation_steps == 2


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


def test_schedule_drives_the_update(device, rng):
    sched = O.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    v = cf.Variable(np.zeros(3), device=device)
    opt = O.SGD(sched)
    g = np.ones(3)
    expected = 0.0
    for t in range(5):
        assert opt.learning_rate == pytest.approx(0.1 * 0.5 ** (t / 2))
        opt.apply([as_device(g, device)], [v])
        expected -= 0.1 * 0.5 ** (t / 2)
    np.testing.assert_allclose(v.numpy(), expected)


# ---- weight decay and constraints ----------------------------------------------------------
def test_weight_decay_exclusions(device, rng):
    w = rng.normal(size=(3,))
    a = cf.Variable(w.copy(), name="kernel", device=device)
    b = cf.Variable(w.copy(), name="dense/bias", device=device)
    c = cf.Variable(w.copy(), name="other", device=device)
    opt = O.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[c], var_names=["bias"])
    zeros = as_device(np.zeros(3), device)
    opt.apply([zeros, zeros, zeros], [a, b, c])
    np.testing.assert_allclose(a.numpy(), w - w * 0.5 * 0.1)
    np.testing.assert_allclose(b.numpy(), w)
    np.testing.assert_allclose(c.numpy(), w)


def test_constraint_applied_after_update(device):
    v = cf.Variable(np.array([0.5, -0.5]), device=device,
                    constraint=lambda t: cf.Tensor(np.clip(t.numpy(), 0.0, None),
                                                   device=t.device))
    opt = O.SGD(1.0)
    opt.apply([as_device(np.array([1.0, 1.0]), device)], [v])
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])


def test_no_fused_update_unless_an_optimizer_declares_one():
    class Plain(O.Optimizer):
        def update_step(self, gradient, variable, learning_rate):
            variable.assign_sub(gradient * learning_rate)

    opt = Plain(0.5)
    v = cf.Variable(np.ones(2), device="cpu")
    opt.apply([np.ones(2)], [v])
    np.testing.assert_allclose(v.numpy(), [0.5, 0.5])  # the Keras-style update_step ran
    assert opt.fused_update_spec() is None and opt.fused_hyperparameters(0.1) == ()


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
    for name, cls in (("lion", O.Lion), ("Adafactor", O.Adafactor), ("FTRL", O.Ftrl),
                      ("lamb", O.Lamb)):
        assert type(O.get(name)) is cls
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


# ---- through compile / fit / save ----------------------------------------------------------
def _mlp(seed):
    from cuflow import layers, models

    cf.utils.set_random_seed(seed)
    return models.Sequential([layers.Input((4,)), layers.Dense(6, activation="tanh"),
                              layers.Dense(2)])


@pytest.mark.parametrize("name", ["lion", "adafactor", "ftrl", "lamb"])
def test_compile_by_name_and_resume_from_saved_model(name, tmp_path):
    from cuflow import models

    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    straight = _mlp(0)
    straight.compile(name, "mse")
    assert type(straight.optimizer) is type(O.get(name))
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    first = _mlp(0)
    first.compile(name, "mse")
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "ckpt.cuflow")
    resumed = models.load_model(tmp_path / "ckpt.cuflow")
    assert type(resumed.optimizer) is type(first.optimizer)
    assert int(resumed.optimizer.iterations.numpy()) == 8
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.get_weights()[0], _mlp(0).get_weights()[0])
