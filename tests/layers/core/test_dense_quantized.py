"""Dense quantized to int8 / int4 / float8 and with LoRA: values against NumPy references of
Keras's formulas, the inputs' gradient through the dequantized kernel, LoRA's gradients."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, models, quantizers
from cuflow.layers.core.dense_quantized import int4_block_size, per_channel

from .._helpers import check_layer_gradients

R = np.random.default_rng(3)


def dense(units=5, in_dim=8, **kw):
    layer = layers.Dense(units, **kw)
    layer.build((None, in_dim))
    return layer


def ref_abs_max(a, axis, hi):
    scale = hi / (np.max(np.abs(a), axis=axis, keepdims=True) + 1e-7)
    return np.clip(np.round(a * scale), -hi - (hi == 7), hi), scale


def test_int8_values_match_keras_formula():
    layer = dense()
    kernel, bias = layer._kernel.numpy(), layer.bias.numpy()
    x = R.normal(size=(3, 8)).astype("float32")
    layer.quantize("int8")
    qk, sk = ref_abs_max(kernel.astype(np.float64), 0, 127)
    np.testing.assert_array_equal(layer._kernel.numpy(), qk)
    np.testing.assert_allclose(layer.kernel_scale.numpy(), sk[0], rtol=1e-6)
    qx, sx = ref_abs_max(x.astype(np.float64), -1, 127)
    expected = (qx @ qk) / (sx * sk[0]) + bias
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    assert layer.kernel.dtype == np.int8 and layer.variable_dtype == "float32"


def test_int8_weight_only_and_custom_quantizer():
    layer = dense()
    kernel = layer._kernel.numpy().astype(np.float64)
    x = R.normal(size=(2, 8)).astype("float32")
    layer.quantize("int8", config=quantizers.Int8QuantizationConfig(
        weight_quantizer=quantizers.AbsMaxQuantizer(axis=0, value_range=(-100, 100)),
        activation_quantizer=None))
    assert layer.inputs_quantizer is None
    qk, sk = ref_abs_max(kernel, 0, 100)
    np.testing.assert_array_equal(layer._kernel.numpy(), qk)
    np.testing.assert_allclose(layer(x).numpy(), x @ (qk / sk) + layer.bias.numpy(),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("block", [None, -1, 4, 16])
def test_int4_storage_and_values(block):
    layer = dense(units=5, in_dim=10)
    kernel = layer._kernel.numpy()
    x = R.normal(size=(2, 10)).astype("float32")
    y_float = layer(x).numpy()
    layer.quantize("int4", config=quantizers.Int4QuantizationConfig(block_size=block))
    assert layer._int4_block_size == block
    assert layer._kernel.shape == (10, 3) and layer._kernel.dtype == np.int8
    unpacked = layer.kernel.numpy()
    assert unpacked.shape == (10, 5) and unpacked.min() >= -8 and unpacked.max() <= 7
    if per_channel(block):
        assert layer.kernel_scale.shape == (5,) and not hasattr(layer, "g_idx")
        float_kernel = unpacked / layer.kernel_scale.numpy()
    else:
        groups = -(-10 // block)
        assert layer.kernel_scale.shape == (groups, 5) == layer.kernel_zero.shape
        np.testing.assert_array_equal(layer.g_idx.numpy(), np.arange(10) // block)
        rows = np.arange(10) // block
        float_kernel = (unpacked - layer.kernel_zero.numpy()[rows]) * \
            layer.kernel_scale.numpy()[rows]
    np.testing.assert_allclose(layer(x).numpy(), x @ float_kernel + layer.bias.numpy(),
                               rtol=1e-4, atol=1e-4)
    if per_channel(block):  # (Keras's asymmetric groups fit a same-sign group poorly)
        assert np.max(np.abs(float_kernel - kernel)) <= np.max(np.abs(kernel)) / 7 + 1e-6
        assert np.mean((layer(x).numpy() - y_float) ** 2) < 0.05
    expected = f"int4/{-1 if block is None else block}_from_float32"
    assert layer.dtype_policy.name == expected
    rebuilt = layers.Dense(5, dtype=expected)
    rebuilt.build((None, 10))
    assert int4_block_size(rebuilt, None) == (None if per_channel(block) else block)
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in layer.weights]


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_inputs_gradient_goes_through_the_dequantized_kernel(mode):
    layer = dense()
    layer.quantize(mode, config=quantizers.Int4QuantizationConfig(block_size=None)
                   if mode == "int4" else None)
    x = cf.Tensor(R.normal(size=(3, 8)).astype("float32"), requires_grad=True)
    upstream = R.normal(size=(3, 5)).astype("float32")
    with cf.GradientTape() as tape:
        total = (layer(x) * cf.Tensor(upstream)).sum()
    (grad,) = tape.gradient(total, [x])
    float_kernel = layer._float_kernel().numpy()
    np.testing.assert_allclose(grad.numpy(), upstream @ float_kernel.T, rtol=1e-5, atol=1e-6)


def test_float8_forward_rounds_inputs_and_kernel_and_tracks_scales():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    layer = dense(units=3, in_dim=4)
    kernel, bias = layer._kernel.numpy(), layer.bias.numpy()
    layer.quantize("float8")
    assert len(layer.variables) == 8 and layer.inputs_scale.shape == ()
    x = (R.normal(size=(2, 4)) * 3).astype("float32")
    f8 = ml_dtypes.float8_e4m3fn
    expected = x.astype(f8).astype("float32") @ kernel.astype(f8).astype("float32") + bias
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    layer(x, training=True)
    np.testing.assert_allclose(layer.inputs_amax_history.numpy()[0], np.abs(x).max())


def test_lora_kernel_weights_and_gradients(device):
    layer = dense(units=4, in_dim=3)
    layer.enable_lora(2, lora_alpha=3.0)
    assert [w.name.split("/")[-1] for w in layer.trainable_weights] == \
        ["bias", "lora_kernel_a", "lora_kernel_b"]
    assert layer.lora_kernel_a.dtype == np.float32
    layer.lora_kernel_b.assign(R.normal(size=(2, 4)).astype("float32"))
    merged = layer._kernel.numpy() + 1.5 * layer.lora_kernel_a.numpy() @ \
        layer.lora_kernel_b.numpy()
    np.testing.assert_allclose(layer.kernel.numpy(), merged, rtol=1e-6)
    x = R.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(layer(x).numpy(), x @ merged + layer.bias.numpy(), rtol=1e-5)
    assert layer.get_config()["lora_rank"] == 2 and layer.get_config()["lora_alpha"] == 3.0
    check_layer_gradients(lambda: layers.Dense(3, activation="tanh", lora_rank=2), [(2, 4)],
                          device)


def test_lora_errors_and_regularization_of_frozen_kernel():
    with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet built"):
        layers.Dense(2).enable_lora(2)
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        dense(kernel_constraint="max_norm").enable_lora(2)
    layer = dense(kernel_regularizer="l2")
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    assert len(layer.losses) == 2  # the two LoRA factors; the frozen kernel adds none


def test_quantized_lora_trains_the_factors_and_saves_merged():
    layer = dense(units=4, in_dim=6)
    layer.enable_lora(2)
    layer.quantize("int8")
    assert len(layer.trainable_weights) == 3 and len(layer.non_trainable_weights) == 2
    a0 = layer.lora_kernel_a.numpy()
    model = models.Sequential([layer])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(R.normal(size=(32, 6)), R.normal(size=(32, 4)), epochs=3, verbose=0)
    assert np.max(np.abs(layer.lora_kernel_a.numpy() - a0)) > 0
    store = {}
    layer.save_own_variables(store)
    x = R.normal(size=(3, 6)).astype("float32")
    plain = layers.Dense(4, dtype="int8_from_float32")
    plain.build((None, 6))
    plain.load_own_variables(store)
    np.testing.assert_allclose(plain(x).numpy(), layer(x).numpy(), atol=0.05)
