"""Moving a model mid-training (``Model.to``) continues exactly where it stopped."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow

from .helpers import data, mlp, weights_equal


def _train(move_to=None, device="cpu", dropout=0.0):
    with cuflow.device(device):
        model = mlp(seed=3, dropout=dropout)
    x, y = data(48, seed=1)
    cuflow.utils.set_random_seed(11)  # same shuffles and masks in both runs
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=True)
    if move_to is not None:
        assert model.to(move_to) is model
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=True)
    return model


def test_to_same_device_is_a_noop_and_training_continues_identically():
    moved, plain = _train("cpu"), _train(None)
    assert weights_equal(moved.get_weights(), plain.get_weights())
    assert moved.device == "cpu"
    assert int(moved.optimizer.iterations.numpy()) == int(plain.optimizer.iterations.numpy()) == 24


def test_to_same_device_keeps_the_same_arrays():
    model = mlp(seed=0)
    x, y = data(16)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    before = [v.data for v in model.weights + model.optimizer.variables]
    model.to("cpu")
    after = [v.data for v in model.weights + model.optimizer.variables]
    assert all(a is b for a, b in zip(before, after))


def test_to_cpu_with_dropout_matches_unmoved_run():
    moved, plain = _train("cpu", dropout=0.25), _train(None, dropout=0.25)
    assert weights_equal(moved.get_weights(), plain.get_weights())


def test_to_rejects_unknown_device():
    with pytest.raises(ValueError, match="Unknown device"):
        mlp().to("tpu")


def test_to_device_moves_arrays_and_tensors():
    t = cuflow.to_device(np.ones(3, "float32"), "cpu")
    assert isinstance(t, cuflow.Tensor) and t.device == "cpu"
    assert cuflow.to_device(t) is t


@pytest.mark.gpu
def test_move_to_gpu_mid_training_matches_cpu_run():
    moved = _train("gpu")
    plain = _train(None)
    assert moved.device == "gpu:0"
    for a, b in zip(moved.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert all(w.device == "gpu:0" for w in moved.weights)
    moved.to("cpu")
    assert all(w.device == "cpu" for w in moved.weights)


@pytest.mark.gpu
def test_gpu_trained_then_moved_to_cpu_matches_gpu_run():
    moved = _train("cpu", device="gpu")
    plain = _train(None, device="gpu")
    for a, b in zip(moved.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
