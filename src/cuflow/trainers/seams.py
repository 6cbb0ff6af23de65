"""The only places where models and trainers reach up the stack, one function per need.

Each is imported when first called, never at module level, so importing a model loads none of
them; the rest of ``models`` / ``trainers`` imports downwards only.

- :func:`callback_list`: ``fit`` / ``evaluate`` / ``predict`` run their callbacks through
  ``cuflow.callbacks.CallbackList`` (History, the progress bar, the user's callbacks).
- :func:`debug_hooks`: fit's debugging options (``verify_kernels``, ``nan_bundle``, a device
  picked by measurement) and ``summary(kernels=True)`` / ``check_gradients`` are implemented by
  ``cuflow.debug``; ``cuflow.debug.hooks`` imports its implementations only when one is used.
- :func:`saving`: ``Model.save`` / ``save_weights`` / ``load_weights`` and
  ``models.load_model`` read and write files with ``cuflow.saving``.
"""

from __future__ import annotations


def callback_list(callbacks, **kwargs):
    from ..callbacks import CallbackList

    return CallbackList(callbacks, **kwargs)


def debug_hooks():
    from ..debug import hooks

    return hooks


def saving():
    from .. import saving as saving_package

    return saving_package
