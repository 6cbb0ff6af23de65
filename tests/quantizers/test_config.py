"""Quantization configs: validation as Keras, config round trips, mode resolution."""

from __future__ import annotations

import pytest

from cuflow import quantizers
from cuflow.quantizers import (
    AbsMaxQuantizer,
    AWQConfig,
    Float8QuantizationConfig,
    GPTQConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    validate_and_resolve_config,
)


def test_int8_config_defaults_and_round_trip():
    config = Int8QuantizationConfig()
    assert config.mode == "int8" and isinstance(config.activation_quantizer, AbsMaxQuantizer)
    assert Int8QuantizationConfig(activation_quantizer=None).activation_quantizer is None
    again = quantizers.deserialize(quantizers.serialize(config))
    assert isinstance(again, Int8QuantizationConfig)
    assert isinstance(again.activation_quantizer, AbsMaxQuantizer)
    with pytest.raises(ValueError, match="output_dtype='int8'. Received: output_dtype=int16"):
        Int8QuantizationConfig(weight_quantizer=AbsMaxQuantizer(output_dtype="int16"))


def test_int4_config_validation():
    assert Int4QuantizationConfig().block_size == 128
    assert Int4QuantizationConfig().activation_quantizer is None
    with pytest.raises(ValueError, match="block_size=0"):
        Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom quantizers"):
        Int4QuantizationConfig(weight_quantizer=AbsMaxQuantizer(value_range=(-8, 7)))
    with pytest.raises(ValueError, match=r"value_range=\(-8, 7\)"):
        Int4QuantizationConfig(weight_quantizer=AbsMaxQuantizer(), block_size=None)
    config = Int4QuantizationConfig(block_size=-1)
    assert quantizers.deserialize(quantizers.serialize(config)).block_size == -1


def test_calibrated_configs_validate_and_name_their_policy():
    assert GPTQConfig(None, None, weight_bits=8, group_size=-1).dtype_policy_string() == \
        "gptq/8/-1"
    assert AWQConfig(None, None).dtype_policy_string() == "awq/4/128"
    with pytest.raises(ValueError, match="Unsupported weight_bits 5"):
        GPTQConfig(None, None, weight_bits=5)
    with pytest.raises(ValueError, match="AWQ only supports 4-bit"):
        AWQConfig(None, None, weight_bits=8)
    with pytest.raises(ValueError, match="hessian_damping must be between 0 and 1"):
        GPTQConfig(None, None, hessian_damping=2.0)
    assert GPTQConfig.from_config(GPTQConfig(None, None).get_config()).group_size == 128


def test_validate_and_resolve_config():
    assert isinstance(validate_and_resolve_config("int8", None), Int8QuantizationConfig)
    assert isinstance(validate_and_resolve_config(None, "float8"), Float8QuantizationConfig)
    config = Int4QuantizationConfig(block_size=None)
    assert validate_and_resolve_config(None, config) is config
    with pytest.raises(ValueError, match="Invalid quantization mode.*mode=int7"):
        validate_and_resolve_config("int7", None)
    with pytest.raises(ValueError, match="Contradictory arguments: mode='int8'"):
        validate_and_resolve_config("int8", config)
    with pytest.raises(ValueError, match="must pass a `GPTQConfig`"):
        validate_and_resolve_config("gptq", None)
    with pytest.raises(ValueError, match="must be an instance of `QuantizationConfig`"):
        validate_and_resolve_config("int8", {"mode": "int8"})
    with pytest.raises(ValueError, match="either `mode` or `config`"):
        validate_and_resolve_config(None, None)


def test_get_by_name_and_errors():
    assert isinstance(quantizers.get("AbsMaxQuantizer"), AbsMaxQuantizer)
    assert isinstance(quantizers.get("abs_max_quantizer"), AbsMaxQuantizer)
    assert quantizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier: nope"):
        quantizers.get("nope")
    with pytest.raises(ValueError, match="Unknown quantizer class 'Nope'"):
        quantizers.deserialize({"class_name": "Nope", "config": {}})
