"""``keras.quantizers``: quantizers, quantization configs and the int4/int8/float8 arithmetic
that ``Layer.quantize`` uses."""

from __future__ import annotations

import re

from .config import (
    QUANTIZATION_MODES,
    AWQConfig,
    Float8QuantizationConfig,
    GPTQConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
    validate_and_resolve_config,
)
from .quantizers import (
    AbsMaxQuantizer,
    Quantizer,
    abs_max_quantize,
    abs_max_quantize_grouped_with_zero_point,
    compute_float8_amax_history,
    compute_float8_scale,
    dequantize_with_sz_map,
    pack_int4,
    quantize_and_dequantize,
    unpack_int4,
)

_CLASSES = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig,
            Int4QuantizationConfig, Float8QuantizationConfig, AWQConfig, GPTQConfig)
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower(): cls for cls in _CLASSES})


def serialize(quantizer):
    """``{"module", "class_name", "config", "registered_name"}`` as Keras writes it."""
    if quantizer is None:
        return None
    return {"module": "keras.quantizers", "class_name": type(quantizer).__name__,
            "config": quantizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A quantizer or quantization config from :func:`serialize`'s dict."""
    from ..registration import resolve

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret quantizer config: {config!r}")
    name = config["class_name"]
    cls = _BY_NAME.get(name) or resolve(name, config.get("registered_name"), custom_objects)
    if cls is None:
        raise ValueError(f"Unknown quantizer class {name!r}; register it with "
                         f"cuflow.saving.register_serializable or pass it in custom_objects")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier, **kwargs):
    """A quantizer from an instance, a class name or a serialized dict."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _BY_NAME.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj(**kwargs) if isinstance(obj, type) else obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")


__all__ = ["QUANTIZATION_MODES", "AWQConfig", "AbsMaxQuantizer", "Float8QuantizationConfig",
           "GPTQConfig", "Int4QuantizationConfig", "Int8QuantizationConfig",
           "QuantizationConfig", "Quantizer", "abs_max_quantize",
           "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history",
           "compute_float8_scale", "dequantize_with_sz_map", "deserialize", "get", "pack_int4",
           "quantize_and_dequantize", "serialize", "unpack_int4", "validate_and_resolve_config"]
