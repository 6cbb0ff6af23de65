"""Lion, Adafactor, Ftrl and Lamb: trajectories vs independent float64 NumPy transcriptions of the
Keras 3 formulas, base-class features (weight decay, clipping, EMA), state and config round trips,
lookup by name and resumed training from a saved model. (PyTorch has no optimizer with these
exact formulas — torch.optim.Adafactor differs in its epsilon and clipping rules — so NumPy is
the only reference.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, models
from cuflow import optimizers as O
from cuflow.backend import get_backend


# ---- references (Keras 3 update_step, written out for one variable) -------------------------
def ref_lion(w, gs, lr, b1=0.9, b2=0.99, wd=None):
    m = np.zeros_like(w)
    for g in gs:
        if wd is not None:
            w = w - w * wd * lr
        w = w - lr * np.sign(m * b1 + g * (1 - b1))
        m = m * b2 + g * (1 - b2)
    return w


def ref_adafactor(w, gs, lr, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    r = np.zeros(w.shape[:-1]) if w.ndim >= 2 else None
    c = np.zeros(w.shape[:-2] + w.shape[-1:]) if w.ndim >= 2 else None
    v = np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(eps2, math.sqrt(np.mean(w ** 2))) * rho
        reg = g ** 2 + eps1
        b = 1 - t ** decay
        if w.ndim >= 2:
            r = b * r + (1 - b) * reg.mean(axis=-1)
            c = b * c + (1 - b) * reg.mean(axis=-2)
            v = np.expand_dims(r / r.mean(axis=-1, keepdims=True), -1) * np.expand_dims(c, -2)
        else:
            v = b * v + (1 - b) * reg
        u = g / np.sqrt(v)
        u_hat = u / max(1.0, math.sqrt(np.mean(u ** 2)) / clip)
        w = w - alpha * u_hat
    return w


def ref_ftrl(w, gs, lr, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    n, z = np.full_like(w, init), np.zeros_like(w)
    l2_total = l2 + beta / (2 * lr)
    for g in gs:
        g_shr = g + 2 * shrink * w
        n_new = n + g * g
        z = z + g_shr - (n_new ** -power - n ** -power) / lr * w
        quad = n_new ** -power / lr + 2 * l2_total
        w = (np.clip(z, -l1, l1) - z) / quad
        n = n_new
    return w


def ref_lamb(w, gs, lr, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        u = (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        wn, un = np.linalg.norm(w), np.linalg.norm(u)
        ratio = wn / un if wn > 0 and un > 0 else 1.0
        w = w - ratio * lr * u
    return w


CASES = [
    ("lion", lambda: O.Lion(0.01), lambda w, gs: ref_lion(w, gs, 0.01)),
    ("lion_betas", lambda: O.Lion(0.003, beta_1=0.5, beta_2=0.8),
     lambda w, gs: ref_lion(w, gs, 0.003, 0.5, 0.8)),
    ("adafactor", lambda: O.Adafactor(0.1), lambda w, gs: ref_adafactor(w, gs, 0.1)),
    ("adafactor_args", lambda: O.Adafactor(0.5, beta_2_decay=-0.5, epsilon_1=1e-20,
                                           epsilon_2=0.05, clip_threshold=0.3,
                                           relative_step=False),
     lambda w, gs: ref_adafactor(w, gs, 0.5, -0.5, 1e-20, 0.05, 0.3)),
    ("ftrl", lambda: O.Ftrl(0.1), lambda w, gs: ref_ftrl(w, gs, 0.1)),
    ("ftrl_regularized", lambda: O.Ftrl(0.2, learning_rate_power=-0.3,
                                        initial_accumulator_value=0.5,
                                        l1_regularization_strength=0.05,
                                        l2_regularization_strength=0.1,
                                        l2_shrinkage_regularization_strength=0.2, beta=0.3),
     lambda w, gs: ref_ftrl(w, gs, 0.2, -0.3, 0.5, 0.05, 0.1, 0.2, 0.3)),
    ("ftrl_fixed_rate", lambda: O.Ftrl(0.05, learning_rate_power=0.0,
                                       initial_accumulator_value=0.0),
     lambda w, gs: ref_ftrl(w, gs, 0.05, 0.0, 0.0)),
    ("lamb", lambda: O.Lamb(0.01), lambda w, gs: ref_lamb(w, gs, 0.01)),
    ("lamb_betas", lambda: O.Lamb(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
     lambda w, gs: ref_lamb(w, gs, 0.02, 0.8, 0.99, 1e-5)),
]
# the trajectory (float64 and float32) and save/load tests of CASES and MAKERS run with every
# other optimizer's, in test_trajectories.py and test_api.py


def _as_device(a, device):
    return get_backend(device).asarray(a)


def test_lion_weight_decay_through_the_base_class(device, rng):
    w0, gs = rng.normal(size=(6,)), [rng.normal(size=(6,)) for _ in range(5)]
    v = cf.Variable(w0.copy(), device=device)
    opt = O.Lion(0.01, weight_decay=0.5)
    for g in gs:
        opt.apply([_as_device(g, device)], [v])
    np.testing.assert_allclose(v.numpy(), ref_lion(w0, gs, 0.01, wd=0.5), rtol=1e-12)


@pytest.mark.parametrize("make,ref", [
    (lambda **k: O.Lamb(0.01, **k), lambda w, gs: ref_lamb(w, gs, 0.01)),
    (lambda **k: O.Adafactor(0.1, **k), lambda w, gs: ref_adafactor(w, gs, 0.1)),
    (lambda **k: O.Ftrl(0.1, **k), lambda w, gs: ref_ftrl(w, gs, 0.1)),
    (lambda **k: O.Lion(0.01, **k), lambda w, gs: ref_lion(w, gs, 0.01)),
], ids=["lamb", "adafactor", "ftrl", "lion"])
@pytest.mark.parametrize("clip", ["clipnorm", "global_clipnorm", "clipvalue"])
def test_clipping_through_the_base_class(make, ref, clip, device, rng):
    w0 = [rng.normal(size=(3, 2)), rng.normal(size=(4,))]
    grads = [[rng.normal(size=w.shape) * 3 for w in w0] for _ in range(4)]
    vs = [cf.Variable(w.copy(), device=device) for w in w0]
    opt = make(**{clip: 0.7})
    clipped = []
    for step in grads:
        if clip == "clipnorm":
            step = [g * 0.7 / max(np.linalg.norm(g), 0.7) for g in step]
        elif clip == "global_clipnorm":
            norm = math.sqrt(sum(float(np.sum(g * g)) for g in step))
            step = [g * 0.7 / max(norm, 0.7) for g in step]
        else:
            step = [np.clip(g, -0.7, 0.7) for g in step]
        clipped.append(step)
    for step in grads:
        opt.apply([_as_device(g, device) for g in step], vs)
    for k, v in enumerate(vs):
        np.testing.assert_allclose(v.numpy(), ref(w0[k], [s[k] for s in clipped]),
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", [lambda: O.Lion(0.01), lambda: O.Adafactor(0.1),
                                  lambda: O.Ftrl(0.1), lambda: O.Lamb(0.01)],
                         ids=["lion", "adafactor", "ftrl", "lamb"])
def test_ema_tracks_and_finalizes(make, device, rng):
    w0 = rng.normal(size=(3, 2))
    gs = [rng.normal(size=(3, 2)) for _ in range(4)]
    plain = cf.Variable(w0.copy(), device=device)
    p = make()
    opt2 = type(p).from_config({**p.get_config(), "use_ema": True, "ema_momentum": 0.9})
    v2 = cf.Variable(w0.copy(), device=device)
    avg = None
    for t, g in enumerate(gs):
        p.apply([_as_device(g, device)], [plain])
        opt2.apply([_as_device(g, device)], [v2])
        mom = 0.0 if t == 0 else 0.9
        w = plain.numpy()
        avg = w.copy() if avg is None else mom * avg + (1 - mom) * w
    np.testing.assert_allclose(v2.numpy(), plain.numpy(), rtol=1e-12)
    opt2.finalize_variable_values([v2])
    np.testing.assert_allclose(v2.numpy(), avg, rtol=1e-10)


# ---- state, config and lookup ---------------------------------------------------------------
MAKERS = [lambda: O.Lion(0.01, beta_2=0.95), lambda: O.Adafactor(0.1, clip_threshold=0.5),
          lambda: O.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.1),
          lambda: O.Lamb(0.01, epsilon=1e-6)]


def test_slot_variables_like_keras(rng):
    vs = [cf.Variable(rng.normal(size=(3, 2)), name="k"), cf.Variable(rng.normal(size=(4,)),
                                                                       name="b")]
    shapes = lambda opt: [tuple(v.shape) for v in opt.variables[2:]]  # noqa: E731
    lion = O.Lion()
    lion.build(vs)
    assert shapes(lion) == [(3, 2), (4,)]
    assert [v.name for v in lion.variables[2:]] == ["k_momentum", "b_momentum"]
    ada = O.Adafactor()
    ada.build(vs)
    # r, c, velocity per variable; rank-1 variables get scalar r/c placeholders as in Keras
    assert shapes(ada) == [(3,), (2,), (3, 2), (), (), (4,)]
    assert [v.name for v in ada.variables[2:]] == ["k", "k", "k_velocity", "b", "b",
                                                   "b_velocity"]
    ftrl = O.Ftrl(initial_accumulator_value=0.3)
    ftrl.build(vs)
    assert [v.name for v in ftrl.variables[2:]] == ["accumulator", "k_linear", "accumulator",
                                                    "b_linear"]
    np.testing.assert_array_equal(ftrl.variables[2].numpy(), np.full((3, 2), 0.3))
    lamb = O.Lamb()
    lamb.build(vs)
    assert [v.name for v in lamb.variables[2:]] == ["k_momentum", "k_velocity", "b_momentum",
                                                    "b_velocity"]


def test_defaults_and_config_round_trip():
    defaults = {
        O.Lion: {"name": "lion", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
        O.Adafactor: {"name": "adafactor", "learning_rate": 0.001, "beta_2_decay": -0.8,
                      "epsilon_1": 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0,
                      "relative_step": True},
        O.Ftrl: {"name": "ftrl", "learning_rate": 0.001, "learning_rate_power": -0.5,
                 "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
                 "l2_regularization_strength": 0.0,
                 "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
        O.Lamb: {"name": "lamb", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                 "epsilon": 1e-7},
    }
    for cls, want in defaults.items():
        cfg = cls().get_config()
        assert {k: cfg[k] for k in want} == want, cls.__name__
        assert cfg["weight_decay"] is None and cfg["use_ema"] is False
    for make in MAKERS:
        opt = make()
        cfg = opt.get_config()
        assert type(opt).from_config(cfg).get_config() == cfg
        again = O.deserialize(O.serialize(opt))
        assert type(again) is type(opt) and again.get_config() == cfg
    sched = O.schedules.ExponentialDecay(0.1, 10, 0.5)
    lamb = O.Lamb(sched)
    assert O.Lamb.from_config(lamb.get_config()).get_config() == lamb.get_config()


def test_get_by_name():
    for name, cls in (("lion", O.Lion), ("Adafactor", O.Adafactor), ("FTRL", O.Ftrl),
                      ("lamb", O.Lamb)):
        assert type(O.get(name)) is cls


@pytest.mark.parametrize("kwargs,match", [
    ({"beta_1": 0.0}, "beta_1"), ({"beta_1": 1.5}, "beta_1")])
def test_lion_rejects_bad_beta_1(kwargs, match):
    with pytest.raises(ValueError, match=match):
        O.Lion(**kwargs)


@pytest.mark.parametrize("kwargs", [{"initial_accumulator_value": -0.1},
                                    {"learning_rate_power": 0.5},
                                    {"l1_regularization_strength": -1.0},
                                    {"l2_regularization_strength": -1.0},
                                    {"l2_shrinkage_regularization_strength": -1.0}])
def test_ftrl_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        O.Ftrl(**kwargs)


def test_unknown_kwarg_raises():
    with pytest.raises(TypeError, match="bogus"):
        O.Lamb(bogus=1)


def test_lamb_zero_weights_use_ratio_one(device):
    v = cf.Variable(np.zeros(3), device=device)
    opt = O.Lamb(0.1)
    g = np.array([1.0, -2.0, 0.5])
    opt.apply([_as_device(g, device)], [v])
    np.testing.assert_allclose(v.numpy(), ref_lamb(np.zeros(3), [g], 0.1), rtol=1e-12)


# ---- through compile / fit / save ------------------------------------------------------------
def _mlp(seed):
    cf.utils.set_random_seed(seed)
    return models.Sequential([layers.Input((4,)), layers.Dense(6, activation="tanh"),
                              layers.Dense(2)])


@pytest.mark.parametrize("name", ["lion", "adafactor", "ftrl", "lamb"])
def test_compile_by_name_and_resume_from_saved_model(name, tmp_path):
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
