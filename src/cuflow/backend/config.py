"""Process-wide settings the backend and ops read (TF32, determinism, floatx, epsilon, image data
format), as ``keras/src/backend/config.py``. Users reach them through ``cuflow.config``."""

from __future__ import annotations

import os

_state = {"tf32": False, "deterministic": False, "floatx": "float32", "epsilon": 1e-7,
          "image_data_format": "channels_last",
          "cpu_jit": os.environ.get("CUFLOW_CPU_JIT", "1").strip().lower() not in
          ("0", "false", "no", "off")}


def enable_cpu_jit(enabled=True):
    """Use the optional CPU accelerator (``cuflow[cpu-jit]``: Numba-compiled fused loops for
    convolution windows, pooling, the Dense epilogue and Adam) where it is installed. On by
    default; ``CUFLOW_CPU_JIT=0`` in the environment turns it off at start. Results are the NumPy
    path's, bit for bit."""
    _state["cpu_jit"] = bool(enabled)


def cpu_jit_enabled() -> bool:
    return _state["cpu_jit"]


def enable_tensor_float_32(enabled=True):
    """Allow TF32 tensor-core math for float32 GEMMs on the GPU (faster, ~10-bit mantissa)."""
    _state["tf32"] = bool(enabled)


enable_tensor_float_32_execution = enable_tensor_float_32  # tf.config.experimental's name


def tensor_float_32_enabled() -> bool:
    return _state["tf32"]


def enable_op_determinism():
    """Make GPU results repeatable: scatter-adds (the gradients of gather / Embedding /
    advanced indexing, which use float atomics on the GPU) then sum on the host in index order
    (slower). Every other kernel is deterministic already; CPU runs are always deterministic
    for a fixed seed."""
    _state["deterministic"] = True


def disable_op_determinism():
    _state["deterministic"] = False


def op_determinism_enabled() -> bool:
    return _state["deterministic"]


def floatx() -> str:
    return _state["floatx"]


def set_floatx(value):
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"floatx must be 'float16', 'float32' or 'float64'; received {value!r}")
    _state["floatx"] = value


def epsilon() -> float:
    return _state["epsilon"]


def set_epsilon(value):
    _state["epsilon"] = float(value)


def image_data_format() -> str:
    return _state["image_data_format"]


def set_image_data_format(value):
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"image_data_format must be 'channels_last' or 'channels_first'; "
                         f"received {value!r}")
    _state["image_data_format"] = value
