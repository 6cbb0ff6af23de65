"""Mixed precision: float16 compute, float32 variables, dynamic loss scaling; config flags."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, mixed_precision
from cuflow.models import Sequential


@pytest.fixture
def mixed():
    mixed_precision.set_global_policy("mixed_float16")
    yield
    mixed_precision.set_global_policy("float32")


def test_policy_names_and_errors():
    p = mixed_precision.Policy("mixed_float16")
    assert (p.compute_dtype, p.variable_dtype) == ("float16", "float32")
    assert mixed_precision.Policy("float32").compute_dtype == "float32"
    with pytest.raises(ValueError, match="bfloat16"):
        mixed_precision.Policy("mixed_bfloat16")
    with pytest.raises(ValueError, match="unknown dtype policy"):
        mixed_precision.Policy("float8")


def test_mixed_layer_computes_in_float16_with_float32_weights(mixed):
    dense = layers.Dense(4, activation="relu")
    out = dense(np.ones((2, 3), dtype="float32"))
    assert dense.kernel.dtype == np.float32
    assert out.dtype == np.float16
    assert dense.get_config()["dtype"] == "mixed_float16"


def test_mixed_training_wraps_optimizer_and_learns(mixed):
    cf.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    model = Sequential([layers.Input(shape=(8,)), layers.Dense(16, activation="relu"),
                        layers.Dense(2, activation="softmax")])
    model.compile(optimizer=cf.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
    h = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert all(w.dtype == np.float32 for w in model.weights)
    assert h.history["accuracy"][-1] > 0.9
    assert model.predict(x[:4], verbose=0).dtype == np.float16


def test_loss_scale_optimizer_skips_non_finite_and_adapts():
    var = cf.Variable(np.ones(3, dtype="float32"))
    opt = mixed_precision.LossScaleOptimizer(cf.optimizers.SGD(0.1), initial_scale=8.0,
                                             dynamic_growth_steps=2)
    opt.apply([np.array([np.inf, 0, 0], dtype="float32")], [var])
    np.testing.assert_array_equal(var.numpy(), np.ones(3))  # skipped
    assert opt.loss_scale == 4.0 and opt.skipped_steps == 1
    opt.apply([np.full(3, 4.0, dtype="float32")], [var])  # unscaled gradient is 1.0
    np.testing.assert_allclose(var.numpy(), np.full(3, 0.9), rtol=1e-6)
    opt.apply([np.zeros(3, dtype="float32")], [var])
    assert opt.loss_scale == 8.0  # grew after 2 good steps
    config = opt.get_config()
    clone = mixed_precision.LossScaleOptimizer.from_config(config)
    assert clone.initial_scale == 8.0 and type(clone.inner_optimizer).__name__ == "SGD"
    with pytest.raises(TypeError, match="Optimizer"):
        mixed_precision.LossScaleOptimizer("sgd")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_loss_scale_optimizer_checks_every_gradient_at_once(bad):
    a, b = cf.Variable(np.ones(4, "float32")), cf.Variable(np.ones((2, 2), "float32"))
    opt = mixed_precision.LossScaleOptimizer(cf.optimizers.SGD(1.0), initial_scale=2.0)
    big = np.full(4, 65504.0, dtype="float16")  # float16's largest finite value: not skipped
    g2 = np.zeros((2, 2), dtype="float16")
    opt.apply([big, g2], [a, b])
    np.testing.assert_allclose(a.numpy(), 1.0 - 65504.0 / 2.0)
    assert opt.skipped_steps == 0
    g2[1, 0] = bad  # one non-finite value in the second gradient skips the whole step
    opt.apply([cf.Tensor(big), cf.Tensor(g2)], [a, b])
    np.testing.assert_allclose(a.numpy(), 1.0 - 65504.0 / 2.0)
    np.testing.assert_array_equal(b.numpy(), np.ones((2, 2)))
    assert opt.skipped_steps == 1 and opt.loss_scale == 1.0


def test_config_flags():
    assert not cf.config.tensor_float_32_enabled()
    cf.config.enable_tensor_float_32(True)
    assert cf.config.tensor_float_32_enabled()
    cf.config.enable_tensor_float_32(False)
    cf.config.enable_op_determinism()
    assert cf.config.op_determinism_enabled()
    cf.config.disable_op_determinism()
    with pytest.raises(ValueError, match="float8"):
        cf.config.set_floatx("float8")
