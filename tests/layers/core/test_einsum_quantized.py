"""EinsumDense quantized and with LoRA: the resolved specs and scale layouts, values against
NumPy einsum references, the inputs' gradient, LoRA."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, quantizers
from cuflow.layers.core.einsum_quantized import resolve_specs, to_kernel_layout, to_output_layout

from .._helpers import check_layer_gradients

R = np.random.default_rng(9)
CASES = [("ab,bcd->acd", (8, 4), "d", (None, 3)),
         ("btd,ndh->btnh", (None, 2, 6), "nh", (None, 5, 4)),
         ("bnh,nhd->bd", (6,), None, (None, 2, 3)),
         ("...b,bc->...c", (4,), "c", (None, 3, 5))]


def einsum_layer(eq, out, bias, shape, **kw):
    layer = layers.EinsumDense(eq, output_shape=out, bias_axes=bias, **kw)
    layer.build(shape)
    return layer


def test_resolve_specs_and_layouts():
    assert resolve_specs("ab,bc->ac", 2) == ("ab", "bc", "ac")
    inp, w, out = resolve_specs("...b,bc->...c", 4)
    assert len(inp) == 4 and inp.endswith("b") and out == inp[:3] + "c" and w == "bc"
    scale = cf.Tensor(R.normal(size=(2, 1, 4)))  # kernel "ndh", d reduced (keepdims)
    as_out = to_output_layout(scale, "ndh", "btnh")
    assert as_out.shape == (1, 1, 2, 4)  # kept axes where the output has them, 1 elsewhere
    back = to_kernel_layout(as_out, "ndh", "btnh")
    np.testing.assert_array_equal(back.numpy(), scale.numpy())


def test_layout_transposes_kept_axes_into_output_order():
    scale = cf.Tensor(R.normal(size=(3, 1, 4)))  # kernel "hdn": d reduced, output "bnh"
    out = to_output_layout(scale, "hdn", "bnh")
    np.testing.assert_array_equal(out.numpy()[0], scale.numpy()[:, 0, :].T)
    np.testing.assert_array_equal(to_kernel_layout(out, "hdn", "bnh").numpy(), scale.numpy())


@pytest.mark.parametrize("eq,out,bias,shape", CASES, ids=[c[0] for c in CASES])
def test_int8_values(eq, out, bias, shape):
    layer = einsum_layer(eq, out, bias, shape)
    kernel = layer._kernel.numpy().astype(np.float64)
    x = R.normal(size=(2,) + shape[1:]).astype("float32")
    y_float = layer(x).numpy()
    layer.quantize("int8", config=quantizers.Int8QuantizationConfig(activation_quantizer=None))
    inp, w, o = layer._specs
    reduced = tuple(i for i, c in enumerate(w) if c not in o)
    scale = 127 / (np.max(np.abs(kernel), axis=reduced, keepdims=True) + 1e-7)
    q = np.clip(np.round(kernel * scale), -127, 127)
    np.testing.assert_array_equal(layer._kernel.numpy(), q)
    float_kernel = layer._float_kernel().numpy()
    np.testing.assert_allclose(float_kernel, q / scale, rtol=1e-5)
    expected = np.einsum(f"{inp},{w}->{o}", x, float_kernel)
    if layer.bias is not None:
        expected = expected + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    assert np.mean((layer(x).numpy() - y_float) ** 2) < 1e-3
    with_inputs = einsum_layer(eq, out, bias, shape)
    with_inputs.quantize("int8")
    assert np.mean((with_inputs(x).numpy() - np.einsum(
        f"{inp},{w}->{o}", x, with_inputs._float_kernel().numpy()) -
        (0 if with_inputs.bias is None else with_inputs.bias.numpy())) ** 2) < 1e-3


@pytest.mark.parametrize("block", [None, 4])
@pytest.mark.parametrize("eq,out,bias,shape", CASES[:3], ids=[c[0] for c in CASES[:3]])
def test_int4_storage_values_and_gradient(eq, out, bias, shape, block):
    layer = einsum_layer(eq, out, bias, shape)
    kernel_shape = layer._kernel.shape
    x = R.normal(size=(2,) + shape[1:]).astype("float32")
    layer.quantize("int4", config=quantizers.Int4QuantizationConfig(block_size=block))
    rows, cols = layer._int4_rows, layer._int4_unpacked_column_size
    assert layer._kernel.shape == (rows, (cols + 1) // 2)
    assert layer.kernel.shape == kernel_shape
    assert layer.kernel_scale.shape == ((cols,) if block is None else (-(-rows // 4), cols))
    inp, w, o = layer._specs
    fk = layer._float_kernel().numpy()
    expected = np.einsum(f"{inp},{w}->{o}", x, fk)
    if layer.bias is not None:
        expected = expected + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-4, atol=1e-4)
    xt = cf.Tensor(x, requires_grad=True)
    up = R.normal(size=expected.shape).astype("float32")
    with cf.GradientTape() as tape:
        total = (layer(xt) * cf.Tensor(up)).sum()
    (grad,) = tape.gradient(total, [xt])
    np.testing.assert_allclose(grad.numpy(), np.einsum(f"{o},{w}->{inp}", up, fk),
                               rtol=1e-4, atol=1e-5)


def test_float8_and_policy_build_counts():
    for policy, count in (("int8_from_float32", 3), ("int4_from_float32", 5),
                          ("float8_from_float32", 8)):
        layer = einsum_layer("ab,bcd->acd", (8, 4), "d", (None, 3))
        layer.dtype_policy = policy
        assert len(layer.variables) == count
        layer(R.normal(size=(2, 3)).astype("float32"))


def test_lora(device):
    layer = einsum_layer("btd,ndh->btnh", (None, 2, 6), "nh", (None, 5, 4))
    layer.enable_lora(3)
    assert layer.lora_kernel_a.shape == (2, 4, 3) and layer.lora_kernel_b.shape == (3, 6)
    layer.lora_kernel_b.assign(R.normal(size=(3, 6)).astype("float32"))
    merged = layer._kernel.numpy() + layer.lora_kernel_a.numpy() @ layer.lora_kernel_b.numpy()
    np.testing.assert_allclose(layer.kernel.numpy(), merged, rtol=1e-5)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(3)
    check_layer_gradients(lambda: layers.EinsumDense("ab,bc->ac", 3, bias_axes="c",
                                                     lora_rank=2), [(2, 4)], device)
    config = layers.EinsumDense("ab,bc->ac", 3, lora_rank=2).get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (2, 2)
