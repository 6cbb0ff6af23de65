"""The entry points the trainer and Model call (through ``cuflow.trainers.seams``); each
forwards to the module that implements it.

Kept separate so the training loop imports one small module and pays nothing when the
debugging features are off: the implementations are imported only when a feature is used.
"""

from __future__ import annotations

import contextlib


def maybe_pick_device(model, x, y, batch_size):
    """With ``set_device("auto", measure=True)`` pending: time the model on each device."""
    from ..backend import selection

    if not getattr(selection, "_measure_pending", False):
        return None
    from .device_pick import pick_device

    return pick_device(model, x, y, batch_size)


def kernel_verifier(rate, model):
    """A context manager verifying a sampled fraction of kernel calls (no-op for None/0)."""
    if not rate:
        return contextlib.nullcontext()
    from .verify import fit_verifier

    return fit_verifier(rate, model)


def nan_guard(path, model):
    """``fit(nan_bundle=path)``: the check the eager training step runs on its loss; it saves
    the step's inputs and pre-step state when the loss is not finite and returns True."""
    from .nan_bundle import NanGuard

    return NanGuard(path, model)


def kernel_summary(model, print_fn=None):
    from .launches import kernel_summary as summary

    return summary(model, print_fn=print_fn)


def check_model_gradients(model, x, y, sample_weight=None, max_samples=4, print_fn=None):
    from .gradcheck import check_model_gradients as check

    return check(model, x, y, sample_weight=sample_weight, max_samples=max_samples,
                 print_fn=print_fn)
