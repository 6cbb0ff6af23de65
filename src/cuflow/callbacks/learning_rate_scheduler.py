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


def lr_owners(model):
    """The optimizers whose learning rate a callback reads and sets: a MultiOptimizer's
    sub-optimizers (it has no rate of its own, as Keras), else the model's optimizer."""
    optimizer = getattr(model, "optimizer", None)
    subs = getattr(optimizer, "optimizers", None) if optimizer is not None else None
    return list(subs) if isinstance(subs, list) else [optimizer]


def lr_logs(model, logs):
    """``learning_rate`` in ``logs`` (``learning_rate_<name>`` per MultiOptimizer part)."""
    owners = lr_owners(model)
    if owners != [getattr(model, "optimizer", None)]:
        for opt in owners:
            logs[f"learning_rate_{opt.name}"] = float(opt.learning_rate)
    else:
        logs["learning_rate"] = current_lr(model)


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
        owners = lr_owners(self.model)
        if owners != [getattr(self.model, "optimizer", None)]:  # MultiOptimizer: each part
            for opt in owners:
                opt.learning_rate = self._scheduled(epoch, float(opt.learning_rate), opt.name)
            return
        self.model.optimizer.learning_rate = self._scheduled(epoch, current_lr(self.model))

    def _scheduled(self, epoch, lr, what=None):
        # Decided from the signature, not by catching TypeError: a TypeError raised inside the
        # schedule must surface, not silently switch to the one-argument form.
        new = self.schedule(epoch) if _takes_one_argument(self.schedule) else \
            self.schedule(epoch, lr)
        if isinstance(new, bool) or not isinstance(new, numbers.Real):
            raise ValueError(f"The output of the `schedule` function should be a float. "
                             f"Got: {new!r}")
        new = float(new)
        if self.verbose > 0:
            whose = f"{what} learning rate" if what else "learning rate"
            sys.stdout.write(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {whose} "
                             f"to {new}.\n")
        return new

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            lr_logs(self.model, logs)
