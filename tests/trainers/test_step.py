"""The eager steps against float64 NumPy references: one SGD training step, the evaluation step,
the prediction step, the loss check that skips an update, the variables a step trains."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.models import Sequential
from cuflow.trainers import step

RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 3)).astype("float32")
Y = RNG.normal(size=(5, 2)).astype("float32")


def _linear(lr=0.1):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=cf.optimizers.SGD(lr), loss="mse")
    return model


def _mse_and_grads(w, b, x, y):
    """float64 MSE over every element, and its gradients for y = x @ w + b."""
    x, y, w, b = (np.asarray(a, np.float64) for a in (x, y, w, b))
    err = x @ w + b - y
    loss = np.mean(err ** 2)
    g = 2.0 * err / err.size
    return loss, x.T @ g, g.sum(axis=0)


def test_train_step_is_one_sgd_update_of_the_mse_gradient():
    model = _linear(lr=0.1)
    w, b = model.get_weights()
    loss, gw, gb = _mse_and_grads(w, b, X, Y)
    step.train_step(model, cf.Tensor(X), cf.Tensor(Y))
    w1, b1 = model.get_weights()
    np.testing.assert_allclose(w1, w - 0.1 * gw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, b - 0.1 * gb, rtol=1e-5, atol=1e-6)
    # the loss tracker holds the loss before the update, counted once per sample
    logs = model.get_metrics_result()
    np.testing.assert_allclose(float(logs["loss"].numpy()), loss, rtol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 1


def test_a_loss_check_that_fires_skips_the_update_and_stops_training():
    model = _linear()
    before = model.get_weights()
    seen = []

    def check(loss, x, y, sample_weight):
        seen.append((float(loss.numpy()), x.shape, sample_weight))
        return True

    step.train_step(model, cf.Tensor(X), cf.Tensor(Y), None, loss_check=check)
    assert model.stop_training and len(seen) == 1 and seen[0][1:] == ((5, 3), None)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(model.optimizer.iterations.numpy()) == 0
    # a check that passes changes nothing about the step
    model.stop_training = False
    step.train_step(model, cf.Tensor(X), cf.Tensor(Y), None, loss_check=lambda *a: False)
    assert not model.stop_training and int(model.optimizer.iterations.numpy()) == 1


def test_test_step_accumulates_metrics_without_touching_weights():
    model = _linear()
    w, b = model.get_weights()
    model.reset_metrics()
    step.test_step(model, cf.Tensor(X[:3]), cf.Tensor(Y[:3]))
    step.test_step(model, cf.Tensor(X[3:]), cf.Tensor(Y[3:]))
    want = np.mean((X.astype(np.float64) @ w + b - Y) ** 2)  # mean over the 5 samples
    np.testing.assert_allclose(float(model.get_metrics_result()["loss"].numpy()), want, rtol=1e-5)
    for a, c in zip((w, b), model.get_weights()):
        np.testing.assert_array_equal(a, c)


def test_predict_step_is_the_forward_pass():
    model = _linear()
    w, b = model.get_weights()
    out = step.predict_step(model, cf.Tensor(X))
    np.testing.assert_allclose(out.numpy(), X @ w + b, rtol=1e-6, atol=1e-6)
    assert not out.requires_grad


def test_variables_to_train_are_cached_only_while_fit_asks():
    model = _linear()
    first = step.variables_to_train(model)
    assert [id(v) for v in first] == [id(v) for v in model.trainable_weights]
    assert getattr(model, "_step_variables", None) is None  # outside fit: read every step
    model._cache_step_variables = True
    cached = step.variables_to_train(model)
    assert step.variables_to_train(model) is cached


def test_a_model_without_trainable_weights_steps_without_an_update_as_keras():
    model = _linear()
    model.trainable = False
    before = model.get_weights()
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        step.train_step(model, cf.Tensor(X), cf.Tensor(Y))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    loss, _, _ = _mse_and_grads(*before, X, Y)  # the metrics still see the batch
    np.testing.assert_allclose(float(model.get_metrics_result()["loss"].numpy()), loss,
                               rtol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_fit_and_train_on_batch_of_a_weightless_model_report_the_loss():
    model = Sequential([layers.Input((3,)), layers.Flatten()])
    model.compile(optimizer="sgd", loss="mse")
    x = X[:, :3]
    with pytest.warns(UserWarning, match="trainable weights"):
        hist = model.fit(x, x * 0.5, epochs=2, batch_size=5, verbose=0)
    want = float(np.mean((x.astype(np.float64) * 0.5) ** 2))
    np.testing.assert_allclose(hist.history["loss"], [want, want], rtol=1e-5)
    with pytest.warns(UserWarning, match="trainable weights"):
        np.testing.assert_allclose(model.train_on_batch(x, x * 0.5), want, rtol=1e-5)
