"""``BatchNormalization``: batch statistics while training, moving statistics for inference,
weights, gradients, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.testing import check_gradients

from .._helpers import check_layer_gradients, round_trip

R = np.random.default_rng(9)


CASES = [
    ("batchnorm", lambda: layers.BatchNormalization(), [(6, 3)]),
    ("batchnorm_axis1", lambda: layers.BatchNormalization(axis=1, center=False), [(4, 2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_batchnorm_training_and_inference_statistics():
    bn = layers.BatchNormalization(momentum=0.5, epsilon=1e-3)
    x = R.normal(loc=3.0, scale=2.0, size=(50, 2)).astype("float32")
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(0), x.var(0) / (x.var(0) + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    inf = bn(x, training=False).numpy()
    want = (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inf, want, rtol=1e-5, atol=1e-5)
    assert [w.name.split("/")[-1] for w in bn.weights] == ["gamma", "beta", "moving_mean",
                                                           "moving_variance"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_batchnorm_channels_first_and_errors(device):
    x = R.normal(size=(8, 3, 2, 2))
    with cf.device(device):
        bn = layers.BatchNormalization(axis=1, dtype="float64")
        y = bn(cf.Tensor(x), training=True).numpy()
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match=r"BatchNormalization: momentum must be in \[0, 1\]; "
                                         r"received 2.0"):
        layers.BatchNormalization(momentum=2.0)
    with pytest.raises(ValueError, match="epsilon must be positive"):
        layers.BatchNormalization(epsilon=0)
    with pytest.raises(ValueError, match=r"axis -1 of input shape \(None, None\) must be known"):
        layers.BatchNormalization().build((None, None))


def test_masked_steps_do_not_count_in_the_statistics():
    x = np.array([[[1, 5], [2, 5], [9, 9], [9, 9]]] * 3, dtype="float32")
    mask = np.array([[True, True, False, False]] * 3)
    layer = layers.BatchNormalization(momentum=0.0)
    layer(x, training=True, mask=mask)
    np.testing.assert_allclose(layer.moving_mean.numpy(), [1.5, 5.0], rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), [0.25, 0.0], atol=1e-5)
    # in a model the Masking layer's mask reaches the statistics
    inp = layers.Input((None, 2))
    bn = layers.BatchNormalization(momentum=0.0)
    model = cf.models.Model(inp, bn(layers.Masking(mask_value=9.0)(inp)))
    model(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [1.5, 5.0], rtol=1e-5)
    empty = layers.BatchNormalization(scale=False, center=False)
    out = empty(np.zeros((4, 5)), mask=np.zeros((4,), "float32"), training=True)
    np.testing.assert_array_equal(out.numpy(), 0.0)
    with pytest.raises(ValueError, match="one dimension less than the inputs"):
        empty(np.zeros((4, 5)), mask=np.zeros((4, 5)), training=True)


def test_renorm_values_and_statistics_against_numpy():
    eps, m, rm = 1e-3, 0.9, 0.8
    layer = layers.BatchNormalization(epsilon=eps, momentum=m, renorm=True, renorm_momentum=rm)
    layer.build((None, 3))
    mm, mv = R.normal(size=3), np.abs(R.normal(1.0, 0.5, size=3))
    r_mean, r_std = R.normal(size=3), np.abs(R.normal(1.0, 0.5, size=3))
    gamma, beta = R.normal(1.0, 0.1, size=3), R.normal(0.0, 0.1, size=3)
    for var, val in ((layer.moving_mean, mm), (layer.moving_variance, mv),
                     (layer.moving_stddev, np.sqrt(mv)), (layer.renorm_mean, r_mean),
                     (layer.renorm_stddev, r_std), (layer.gamma, gamma), (layer.beta, beta)):
        var.assign(val.astype("float32"))
    x = np.array([[4.0, 6.0, 2.0], [8.0, -2.0, 5.0], [6.0, 4.0, 3.0]], dtype="float32")
    out = layer(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    std = np.sqrt(var + eps)
    r, d = std / r_std, (mean - r_mean) / r_std
    want = (x - mean) / std * (r * gamma) + (d * gamma + beta)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.renorm_mean.numpy(), r_mean * rm + mean * (1 - rm),
                               rtol=1e-5)
    np.testing.assert_allclose(layer.renorm_stddev.numpy(), r_std * rm + std * (1 - rm),
                               rtol=1e-5)
    new_std = np.sqrt(mv) * m + std * (1 - m)
    np.testing.assert_allclose(layer.moving_stddev.numpy(), new_std, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), new_std ** 2 - eps, rtol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm * m + mean * (1 - m), rtol=1e-5)


def test_renorm_inference_is_plain_batchnorm_and_arguments_round_trip():
    plain, renorm = layers.BatchNormalization(), layers.BatchNormalization(renorm=True)
    plain.build((None, 4))
    renorm.build((None, 4))
    assert len(renorm.non_trainable_weights) == 5
    for name in ("gamma", "beta", "moving_mean", "moving_variance"):
        value = R.normal(size=4).astype("float32") ** 2
        getattr(plain, name).assign(value)
        getattr(renorm, name).assign(value)
    x = R.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(renorm(x).numpy(), plain(x).numpy(), rtol=1e-6)
    layer = layers.BatchNormalization(renorm=True, renorm_momentum=0.95,
                                      renorm_clipping={"rmax": 3.0, "rmin": 0.3, "dmax": 5.0})
    assert round_trip(layer).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="Received invalid keys for `renorm_clipping`"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"random_key": 1.0})
    with pytest.raises(ValueError, match="rmax should be greater than rmin"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 0.0, "rmin": 1.0})
    with pytest.raises(ValueError, match="dmax should be non-negative"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"dmax": -1.0})


def test_mixed_float16_statistics_in_float32_output_in_float16():
    layer = layers.BatchNormalization(dtype="mixed_float16", momentum=0.0)
    x = (R.normal(size=(8, 3)) * 300).astype("float32")
    out = layer(x, training=True)
    assert out.dtype == "float16" and layer.moving_variance.dtype == "float32"
    x16 = x.astype("float16").astype("float64")
    np.testing.assert_allclose(layer.moving_variance.numpy(), x16.var(0), rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), (x16 - x16.mean(0)) / np.sqrt(x16.var(0) + 1e-3),
                               rtol=2e-3, atol=2e-3)


def test_renorm_gradient_treats_r_and_d_as_constants():
    """As Keras: r and d are stop_gradient, so the renorm gradient is plain batch norm's with
    gamma scaled by r (checked against central differences of that plain layer)."""
    x = R.normal(size=(6, 3))
    layer = layers.BatchNormalization(renorm=True, momentum=1.0, renorm_momentum=1.0,
                                      dtype="float64")
    layer.build((None, 3))
    r_std = np.array([0.5, 2.0, 1.5])
    layer.renorm_stddev.assign(r_std)
    r = np.sqrt(x.var(0) + 1e-3) / r_std
    with cf.GradientTape() as tape:
        t = cf.Tensor(x)
        tape.watch(t)
        out = cf.ops.sum(layer(t, training=True) * cf.Tensor(np.arange(18.0).reshape(6, 3)))
    got = tape.gradient(out, t).numpy()
    plain = layers.BatchNormalization(dtype="float64", center=False)
    plain.build((None, 3))
    plain.gamma.assign(r)
    with cf.GradientTape() as tape:
        t = cf.Tensor(x)
        tape.watch(t)
        ref = cf.ops.sum(plain(t, training=True) * cf.Tensor(np.arange(18.0).reshape(6, 3)))
    np.testing.assert_allclose(got, tape.gradient(ref, t).numpy(), rtol=1e-9, atol=1e-12)
    check_gradients(lambda t: plain(t, training=True), [x])
