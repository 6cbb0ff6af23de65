"""``cuflow.dtype_policies``: float and quantized policies by name, config and errors."""

from __future__ import annotations

import pytest

from cuflow import dtype_policies as dp


@pytest.mark.parametrize("name,cls,mode,compute,variable", [
    ("float32", dp.DTypePolicy, None, "float32", "float32"),
    ("mixed_float16", dp.DTypePolicy, None, "float16", "float32"),
    ("int8_from_float32", dp.QuantizedDTypePolicy, "int8", "float32", "float32"),
    ("int4_from_mixed_float16", dp.QuantizedDTypePolicy, "int4", "float16", "float32"),
    ("int4/64_from_float32", dp.Int4DTypePolicy, "int4", "float32", "float32"),
    ("float8_from_float32", dp.QuantizedFloat8DTypePolicy, "float8", "float32", "float32"),
    ("gptq/4/128_from_float32", dp.GPTQDTypePolicy, "gptq", "float32", "float32"),
    ("awq/4/-1_from_float32", dp.AWQDTypePolicy, "awq", "float32", "float32"),
])
def test_policies_by_name_round_trip(name, cls, mode, compute, variable):
    policy = dp.get(name)
    assert type(policy) is cls and policy.name == name
    assert (policy.quantization_mode, policy.compute_dtype, policy.variable_dtype) == \
        (mode, compute, variable)
    assert dp.get(dp.serialize(policy)) == policy


def test_policy_details_and_errors():
    assert dp.get("int4/64_from_float32").block_size == 64
    assert dp.get("float8_from_float32").amax_history_length == 1024
    gptq = dp.get("gptq/3/32_from_float32")
    assert (gptq.weight_bits, gptq.group_size) == (3, 32)
    with pytest.raises(ValueError, match="doesn't work well with compute_dtype='float16'"):
        dp.get("int8_from_mixed_float16")
    with pytest.raises(ValueError, match="Invalid block_size in mode"):
        dp.get("int4/0_from_float32")
    with pytest.raises(ValueError, match="valid pair"):
        dp.get("int8_float32")
    with pytest.raises(TypeError, match="amax_history_length"):
        dp.QuantizedFloat8DTypePolicy("float8", "float32", amax_history_length=1.5)
    with pytest.raises(ValueError, match="unknown dtype policy"):
        dp.get("int7_float32")
    assert dp.get("int8_from_float32") != dp.get("int8_from_float64")
