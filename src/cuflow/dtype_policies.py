"""``keras.dtype_policies``: the float policies of :mod:`cuflow.mixed_precision` plus the
quantized ones a layer gets from ``quantize(mode)`` or ``dtype="int8_from_float32"``.

A quantized policy is named ``<mode>_from_<source>``: it computes and keeps float weights in
``source``'s dtypes and tells the layer to store its kernel quantized (``mode`` one of
``QUANTIZATION_MODES``; int4 may carry a block size, ``int4/128_from_float32``).
"""

from __future__ import annotations

from .mixed_precision import DTypePolicy, Policy, dtype_policy, set_dtype_policy
from .quantizers.config import QUANTIZATION_MODES

FloatDTypePolicy = DTypePolicy


class QuantizedDTypePolicy(Policy):
    """``<mode>_from_<source_name>``: float dtypes from ``source_name``, weights quantized."""

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = dtype_policy().name
        source = Policy(source_name)
        base_mode = mode.split("/")[0] if isinstance(mode, str) else mode
        if base_mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of "
                             f"{QUANTIZATION_MODES}. Received: mode={mode}")
        if source.compute_dtype == "float16" and base_mode == "int8":
            raise ValueError(f"Quantization mode='{base_mode}' doesn't work well with "
                             f"compute_dtype='float16'.")
        self.compute_dtype, self.variable_dtype = source.compute_dtype, source.variable_dtype
        self.source_name = source.name
        self.quantization_mode = base_mode
        self.name = f"{mode}_from_{source.name}"

    def __repr__(self):
        return f'<{type(self).__name__} "{self.name}">'

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    __hash__ = object.__hash__

    def get_config(self):
        return {"mode": self.quantization_mode, "source_name": self.source_name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """float8 training; ``amax_history_length`` steps of running maxima set the scales."""

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode, source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError(f"`amax_history_length` must be an integer. Received: "
                            f"amax_history_length={amax_history_length}")
        self.amax_history_length = amax_history_length

    def __eq__(self, other):
        return super().__eq__(other) and other.amax_history_length == self.amax_history_length

    __hash__ = object.__hash__

    def get_config(self):
        return {**super().get_config(), "amax_history_length": self.amax_history_length}


def _block_mode(cls_name, mode, base):
    parts = mode.split("/") if isinstance(mode, str) else []
    if len(parts) < 2 or parts[0] != base:
        raise ValueError(f"Invalid mode for {cls_name}. Expected format '{base}/...'; "
                         f"received mode={mode!r}")
    try:
        values = [int(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(f"Invalid mode for {cls_name}: the values after '{base}/' must be "
                         f"integers; received mode={mode!r}") from None
    return values


class Int4DTypePolicy(QuantizedDTypePolicy):
    """``int4/<block_size>_from_<source>``: -1 is one scale per output channel."""

    def __init__(self, mode, source_name=None):
        (block_size,) = _block_mode("Int4DTypePolicy", mode, "int4")[:1]
        if block_size < -1 or block_size == 0:
            raise ValueError(f"Invalid block_size in mode. Supported values are -1 "
                             f"(per-channel) or a positive integer, but got {block_size} from "
                             f"'{mode}'.")
        super().__init__(mode, source_name)
        self.mode = "int4"
        self.block_size = block_size

    def get_config(self):
        return {"mode": f"int4/{self.block_size}", "source_name": self.source_name}


class _CalibratedPolicy(QuantizedDTypePolicy):
    _base = ""

    def __init__(self, mode, source_name=None):
        values = _block_mode(type(self).__name__, mode, self._base)
        if len(values) != 2:
            raise ValueError(f"Invalid mode for {type(self).__name__}. Expected format "
                             f"'{self._base}/<weight_bits>/<group_size>'; received "
                             f"mode={mode!r}")
        super().__init__(mode, source_name)
        self.mode = self._base
        self.weight_bits, self.group_size = values

    def get_config(self):
        return {"mode": f"{self._base}/{self.weight_bits}/{self.group_size}",
                "source_name": self.source_name}


class GPTQDTypePolicy(_CalibratedPolicy):
    """``gptq/<weight_bits>/<group_size>_from_<source>``."""

    _base = "gptq"


class AWQDTypePolicy(_CalibratedPolicy):
    """``awq/<weight_bits>/<group_size>_from_<source>``."""

    _base = "awq"


_CLASSES = {c.__name__: c for c in (DTypePolicy, QuantizedDTypePolicy,
                                      QuantizedFloat8DTypePolicy, Int4DTypePolicy,
                                      GPTQDTypePolicy, AWQDTypePolicy)}
_CLASSES["FloatDTypePolicy"] = DTypePolicy
_CLASSES["Policy"] = DTypePolicy


def _quantized_by_name(name):
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError(f"Cannot convert `policy` into a valid pair (`mode`, `source_name`) "
                         f"to instantiate `QuantizedDTypePolicy`. Received: policy={name}")
    mode, source = parts
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source)
    if mode.startswith("gptq"):
        return GPTQDTypePolicy(mode, source)
    if mode.startswith("awq"):
        return AWQDTypePolicy(mode, source)
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source)
    return QuantizedDTypePolicy(mode, source)


def serialize(policy):
    return {"module": "keras", "class_name": type(policy).__name__,
            "config": policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    del custom_objects
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown dtype policy class {config.get('class_name')!r}; expected "
                         f"one of {sorted(_CLASSES)}")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """A policy from None (the global one), a name, a config dict or a policy."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, Policy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier.startswith(QUANTIZATION_MODES):
        return _quantized_by_name(identifier)
    return Policy(identifier)


__all__ = ["AWQDTypePolicy", "DTypePolicy", "FloatDTypePolicy", "GPTQDTypePolicy",
           "Int4DTypePolicy", "QUANTIZATION_MODES", "QuantizedDTypePolicy",
           "QuantizedFloat8DTypePolicy", "deserialize", "get", "serialize", "set_dtype_policy"]
