"""Gradient preprocessing (optimizers/clipping.py): clipvalue, per-gradient clipnorm and
global_clipnorm against their formulas, through the base class of several optimizers, the loss
scale division, non-finite norms, and the caller's gradients left untouched."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O
from cuflow.backend import get_backend
from cuflow.optimizers import clipping

from ._references import as_device, ref_adafactor, ref_ftrl, ref_lamb, ref_lion


def _vars(rng, device, shapes=((3, 2), (4,))):
    return [cf.Variable(rng.normal(size=s), device=device) for s in shapes]


def _grads(rng, device, variables, scale=1.0):
    return [get_backend(device).asarray(rng.normal(size=v.shape) * scale) for v in variables]


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
        opt.apply([as_device(g, device) for g in step], vs)
    for k, v in enumerate(vs):
        np.testing.assert_allclose(v.numpy(), ref(w0[k], [s[k] for s in clipped]),
                                   rtol=1e-10, atol=1e-12)


def test_gradients_are_not_modified(device, rng):
    g = rng.normal(size=(6,))
    garr = as_device(g.copy(), device)
    v = cf.Variable(rng.normal(size=(6,)), device=device)
    opt = O.Adam(0.1, clipnorm=0.5)
    for _ in range(3):
        opt.apply([garr], [v])
    np.testing.assert_array_equal(get_backend(device).to_numpy(garr), g)


def test_clip_gradients_divides_by_the_loss_scale_into_scratch_buffers():
    v = cf.Variable(np.zeros(3), device="cpu")
    opt = O.SGD(1.0, loss_scale_factor=4.0, clipvalue=1.0)
    opt.build([v])
    g = np.array([2.0, -12.0, 40.0])
    ((i, out, var),) = clipping.clip_gradients(opt, [(0, g, v)])
    assert i == 0 and var is v and out is not g
    np.testing.assert_array_equal(out, [0.5, -1.0, 1.0])  # g / 4, then clipped to [-1, 1]
    np.testing.assert_array_equal(g, [2.0, -12.0, 40.0])


def test_nothing_to_clip_passes_the_items_through():
    opt = O.SGD(1.0)
    items = [(0, np.ones(2), None)]
    assert clipping.clip_gradients(opt, items) is items


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_non_finite_global_norm_turns_the_step_nan_without_warnings(bad):
    v = cf.Variable(np.zeros(2), device="cpu")
    opt = O.SGD(1.0, global_clipnorm=1.0)
    opt.apply([np.array([bad, 1.0])], [v])  # pytest runs with warnings as errors
    assert np.isnan(v.numpy()).all()


def test_errstate_silences_numpy_only():
    with clipping.errstate(np):
        assert np.isnan(np.sqrt(np.array(-1.0)))
    ctx = clipping.errstate(object())
    with ctx:
        pass
