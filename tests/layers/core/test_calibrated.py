"""GPTQ / AWQ storage as Keras lays it out: variables, the float kernel until calibrated
weights are loaded, then the dequantized kernel ``((q - zero[g]) * scale[g])ᵀ``."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers, quantizers
from cuflow.quantizers import AWQConfig, GPTQConfig

R = np.random.default_rng(2)


def test_quantize_builds_storage_keeps_the_float_kernel_and_round_trips_the_policy():
    layer = layers.Dense(16, use_bias=False)
    layer.build((None, 8))
    x = R.normal(size=(2, 8)).astype("float32")
    y = layer(x).numpy()
    layer.quantize("gptq", config=GPTQConfig(None, None, weight_bits=4, group_size=8))
    assert layer.dtype_policy.name == "gptq/4/8_from_float32"
    assert layer.quantized_kernel.shape == (8, 8) and layer.kernel_scale.shape == (16, 1)
    np.testing.assert_allclose(layer(x).numpy(), y, rtol=1e-6)  # not calibrated yet
    fresh = layers.Dense.from_config(layer.get_config())
    fresh.build((None, 8))
    assert fresh.quantization_mode == "gptq" and not hasattr(fresh, "_kernel")
    with pytest.raises(NotImplementedError, match="lora is not currently supported"):
        lora = layers.Dense(4, lora_rank=2)
        lora.build((None, 3))
        lora.quantize("gptq", config=GPTQConfig(None, None))


@pytest.mark.parametrize("mode,bits", [("gptq", 4), ("gptq", 8), ("awq", 4)])
def test_loaded_calibrated_weights_drive_the_forward_pass(mode, bits):
    rows, cols, group = 6, 5, 3
    policy = f"{mode}/{bits}/{group}_from_float32"
    layer = layers.Dense(cols, dtype=policy)
    layer.build((None, rows))
    codes = R.integers(0, 2 ** bits, size=(cols, rows)).astype("uint8")
    stored = quantizers.pack_int4(codes, axis=0, dtype="uint8")[0].numpy() if bits == 4 \
        else codes
    scale = R.uniform(0.01, 0.1, size=(cols, 2)).astype("float32")
    zero = R.integers(0, 2 ** bits, size=(cols, 2)).astype("uint8")
    g_idx = (np.arange(rows) // group).astype("float32")
    bias = R.normal(size=cols).astype("float32")
    store = [bias, stored, scale, zero] + \
        ([R.uniform(0.5, 2.0, size=rows).astype("float32")] if mode == "awq" else []) + [g_idx]
    layer.load_own_variables({str(i): a for i, a in enumerate(store)})
    assert layer.is_gptq_calibrated == (mode == "gptq")
    assert layer.is_awq_calibrated == (mode == "awq")
    g = g_idx.astype(int)
    w = ((codes.astype(np.float64) - zero[:, g]) * scale[:, g]).T
    if mode == "awq":
        w = w / store[4][:, None]
    x = R.normal(size=(3, rows)).astype("float32")
    np.testing.assert_allclose(layer(x).numpy(), x @ w + bias, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(layer.kernel.numpy(), codes)


def test_einsum_dense_calibrated_views():
    for eq, out, shape, rows_cols in (("ab,bc->ac", 4, (None, 3), (3, 4)),
                                      ("abc,cde->abde", (2, 2, 3), (None, 2, 8), (8, 6)),
                                      ("abcd,cde->abe", (2, 8), (None, 2, 2, 3), (6, 8))):
        layer = layers.EinsumDense(eq, output_shape=out)
        layer.build(shape)
        layer.quantize("awq", config=AWQConfig(None, None, group_size=-1))
        rows, cols = rows_cols
        assert layer.quantized_kernel.shape == ((cols + 1) // 2, rows)
        assert layer.kernel_scale.shape == (cols, 1) and layer.awq_scales.shape == (rows,)
