"""Process-wide settings, as ``keras.config`` / ``tf.config``: TF32, determinism, floatx,
epsilon, image data format, the optional CPU accelerator (kept in ``cuflow.backend.config``), and
the memory cap and kernel verification shortcuts."""

from __future__ import annotations

from .backend.config import (  # noqa: F401 (the public keras.config names)
    cpu_jit_enabled,
    disable_op_determinism,
    enable_cpu_jit,
    enable_op_determinism,
    enable_tensor_float_32,
    enable_tensor_float_32_execution,
    epsilon,
    floatx,
    image_data_format,
    op_determinism_enabled,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    tensor_float_32_enabled,
)


def set_memory_limit(nbytes):
    """Cap the GPU memory pool (bytes); ``None`` removes the cap."""
    from . import memory

    return memory.set_memory_limit(nbytes)


def verify_kernels(rate):
    """Re-check a sampled fraction of custom-kernel calls against their NumPy twins."""
    from . import debug

    return debug.verify_kernels(rate)
