"""Gradient accumulation and overwrite_with_gradient (optimizers/accumulation.py), against
hand-computed SGD steps."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as O


def test_sgd_updates_with_the_mean_every_n_steps_and_counts_updates():
    v = cf.Variable(np.array([1.0, 2.0], np.float32), device="cpu")
    opt = O.SGD(1.0, gradient_accumulation_steps=3)
    grads = [np.array([1.0, 4.0], np.float32), np.array([2.0, 5.0], np.float32),
             np.array([3.0, 6.0], np.float32)]
    for k, g in enumerate(grads[:2]):
        opt.apply([g], [v])
        np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
        assert int(opt._iterations.numpy()) == k + 1 and int(opt.iterations.numpy()) == 0
    np.testing.assert_array_equal(opt._accumulated_gradients[0].numpy(), [3.0, 9.0])
    opt.apply([grads[2]], [v])
    np.testing.assert_allclose(v.numpy(), [1.0 - 2.0, 2.0 - 5.0])
    np.testing.assert_array_equal(opt._accumulated_gradients[0].numpy(), [0.0, 0.0])
    assert int(opt.iterations.numpy()) == 1
    assert opt._fused is not False or opt._fused_reason  # never the fused path


@pytest.mark.parametrize("name", ["adam", "rmsprop", "adagrad", "nadam"])
def test_accumulated_steps_equal_one_step_with_the_mean_gradient(name):
    rng = np.random.default_rng(0)
    one = O.get({"class_name": name, "config": {"weight_decay": 0.05}})
    acc = O.get({"class_name": name, "config": {"weight_decay": 0.05,
                                                "gradient_accumulation_steps": 2}})
    v1 = cf.Variable(np.array([0.9, 0.5], np.float32), device="cpu")
    v2 = cf.Variable(np.array([0.9, 0.5], np.float32), device="cpu")
    for _ in range(4):
        g = rng.random((2, 2)).astype(np.float32)
        one.apply([g.mean(0)], [v1])
        for k in range(2):
            acc.apply([g[k]], [v2])
    np.testing.assert_allclose(v2.numpy(), v1.numpy(), rtol=1e-5, atol=1e-6)


def test_overwrite_with_gradient_takes_the_gradient_or_the_running_max():
    v = cf.Variable(np.array([1.0, 2.0], np.float32), device="cpu")
    v.overwrite_with_gradient = True
    w = cf.Variable(np.array([1.0, 2.0], np.float32), device="cpu")
    O.SGD(1.0).apply([np.array([5.0, 6.0], np.float32), np.ones(2, np.float32)], [v, w])
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])
    np.testing.assert_array_equal(w.numpy(), [0.0, 1.0])
    opt = O.SGD(1.0, gradient_accumulation_steps=2)
    opt.apply([np.array([3.0, 1.0], np.float32), np.ones(2, np.float32)], [v, w])
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])
    opt.apply([np.array([2.0, 4.0], np.float32), np.ones(2, np.float32)], [v, w])
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0])  # elementwise max of the two
    np.testing.assert_array_equal(w.numpy(), [-1.0, 0.0])
