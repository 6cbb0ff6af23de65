"""The entry points the trainer and Model call; each forwards to the module that implements it.

Kept separate so the training loop imports one small module and pays nothing when the
debugging features are off.
"""

from __future__ import annotations

import contextlib


def maybe_pick_device(model, x, y, batch_size):
    """With ``set_device("auto", measure=True)`` pending: time the model on each device."""
    return None


def kernel_verifier(rate, model):
    """A context manager verifying a sampled fraction of kernel calls (no-op for None/0)."""
    if not rate:
        return contextlib.nullcontext()
    raise NotImplementedError("verify_kernels is not available yet")


def save_bundle_if_nonfinite(path, model, loss, x, y, sample_weight):
    """Save the step's inputs and pre-step state when ``loss`` is not finite; True if saved."""
    return False


def kernel_summary(model, print_fn=None):
    raise NotImplementedError("summary(kernels=True) is not available yet")


def check_model_gradients(model, x, y, sample_weight=None, max_samples=4, print_fn=None):
    raise NotImplementedError("check_gradients is not available yet")
