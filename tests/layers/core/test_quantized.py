"""What quantizable layers share: ``quantize`` checks, the dtype-policy route, dispatch,
``Model.quantize`` and the Keras store order of ``save/load_own_variables``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cuflow import layers, models
from cuflow.layers.core.quantized import int_matmul_dequant, quantize_layers

R = np.random.default_rng(5)


def built_dense(units=4, in_dim=3, **kw):
    layer = layers.Dense(units, **kw)
    layer.build((None, in_dim))
    return layer


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantize_checks(mode):
    with pytest.raises(ValueError, match="Cannot quantize a layer that isn't yet built"):
        layers.Dense(2).quantize(mode)
    layer = built_dense()
    layer.quantize(mode)
    assert layer.quantization_mode == mode
    assert layer.dtype_policy.name.startswith(mode)
    with pytest.raises(ValueError, match="is already quantized with dtype_policy="):
        layer.quantize("int8")


def test_invalid_mode_leaves_the_policy_and_subclasses_need_type_check_off():
    layer = built_dense()
    before = layer.dtype_policy
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        layer.quantize("int7")
    assert layer.dtype_policy == before
    with pytest.raises(NotImplementedError, match="Invalid quantization mode"):
        layer.quantized_build((3, 4), "int7")

    class MyDense(layers.Dense):
        pass

    sub = MyDense(4)
    sub.build((None, 3))
    with pytest.raises(NotImplementedError, match="MyDense does not have a `quantize`"):
        sub.quantize("int8")
    sub.quantize("int8", type_check=False)
    assert sub.quantization_mode == "int8"


@pytest.mark.parametrize("policy,count", [("int8_from_float32", 3),
                                          ("int4_from_float32", 5),
                                          ("float8_from_float32", 8)])
def test_setting_a_quantized_policy_quantizes_a_built_layer(policy, count):
    layer = built_dense(2, 2)
    layer.dtype_policy = policy
    assert len(layer.variables) == count and layer.quantization_mode == policy.split("_")[0]


def test_calibrated_modes_need_keras_calibration():
    from cuflow.quantizers import GPTQConfig

    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(NotImplementedError, match="calibration pass"):
        model.quantize("gptq", config=GPTQConfig(None, None))
    with pytest.raises(ValueError, match="Implicitly enabling AWQ"):
        built_dense().dtype_policy = "awq/4/8_from_float32"
    emb = layers.Embedding(4, 2, dtype="gptq/4/8_from_float32")
    with pytest.raises(NotImplementedError, match="does not support GPTQ quantization"):
        emb.build()


def test_model_quantize_skips_what_cannot_quantize_and_filters():
    model = models.Sequential([layers.Input((3,)), layers.Dense(4, name="a"),
                               layers.Dropout(0.1), layers.Dense(2, name="b")])
    model.quantize("int8", filters="a")
    assert model.get_layer("a").quantization_mode == "int8"
    assert model.get_layer("b").quantization_mode is None
    quantize_layers(model, "int4", filters=lambda layer: layer.name == "b")
    assert model.get_layer("b").quantization_mode == "int4"
    with pytest.raises(ValueError, match="filters"):
        model.quantize("int8", filters=3)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        model.quantize("int8", bogus=1)

    class MyDense(layers.Dense):
        pass

    other = models.Sequential([layers.Input((3,)), MyDense(2)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        other.quantize("int8")
    assert any("does not have a `quantize`" in str(w.message) for w in caught)


@pytest.mark.parametrize("policy,names", [
    (None, ["kernel", "bias"]),
    ("int8_from_float32", ["kernel", "bias", "kernel_scale"]),
    ("int4/2_from_float32", ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"]),
])
def test_own_variables_follow_keras_store_order(policy, names):
    layer = layers.Dense(4, dtype=policy)
    layer.build((None, 4))
    store = {}
    layer.save_own_variables(store)
    assert len(store) == len(names)
    for i, name in enumerate(names):
        var = getattr(layer, "_kernel" if name == "kernel" else name)
        np.testing.assert_array_equal(store[str(i)], var.numpy())
    fresh = layers.Dense(4, dtype=policy)
    fresh.build((None, 4))
    fresh.load_own_variables(store)
    for a, b in zip(fresh.weights, layer.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="expected"):
        fresh.load_own_variables({"0": store["0"]})


def test_int_matmul_dequant_value_and_input_gradient():
    import cuflow as cf

    x = R.normal(size=(3, 4))
    q = R.integers(-127, 128, size=(4, 2)).astype("int8")
    scale = np.array([40.0, 60.0])
    fk = q / scale
    xt = cf.Tensor(x, requires_grad=True)
    with cf.GradientTape() as tape:
        y = int_matmul_dequant(xt, cf.Tensor(q), cf.Tensor(scale), None, "float64",
                               lambda: cf.Tensor(fk))
        total = (y * cf.Tensor(np.arange(6.0).reshape(3, 2))).sum()
    np.testing.assert_allclose(y.numpy(), x @ fk, rtol=1e-12)
    (grad,) = tape.gradient(total, [xt])
    np.testing.assert_allclose(grad.numpy(), np.arange(6.0).reshape(3, 2) @ fk.T, rtol=1e-12)
