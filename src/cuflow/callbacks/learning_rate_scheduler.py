"""``LearningRateScheduler``: set the learning rate at the start of every epoch."""

from __future__ import annotations

import inspect
import numbers
import sys

from .callback import Callback


def _takes_one_argument(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: assume the new API
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty]
    varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
    return len(positional) == 1 and not varargs


def current_lr(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    return float(optimizer.learning_rate)


class LearningRateScheduler(Callback):
    """``schedule(epoch, lr) -> new lr`` (0-based epoch; ``schedule(epoch)`` also accepted),
    applied at each epoch start; the epoch's logs record ``learning_rate``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = current_lr(self.model)
        # Decided from the signature, not by catching TypeError: a TypeError raised inside the
        # schedule must surface, not silently switch to the one-argument form.
        new = self.schedule(epoch) if _takes_one_argument(self.schedule) else \
            self.schedule(epoch, lr)
        if isinstance(new, bool) or not isinstance(new, numbers.Real):
            raise ValueError(f"The output of the `schedule` function should be a float. "
                             f"Got: {new!r}")
        new = float(new)
        self.model.optimizer.learning_rate = new
        if self.verbose > 0:
            sys.stdout.write(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                             f"rate to {new}.\n")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = current_lr(self.model)
