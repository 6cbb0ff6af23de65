"""``ReduceLROnPlateau``: multiply the learning rate by ``factor`` when a metric stalls."""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np

from ._monitor import bigger_is_better, check_mode
from .callback import Callback
from .learning_rate_scheduler import lr_logs, lr_owners


class ReduceLROnPlateau(Callback):
    """After ``patience`` epochs without an improvement of more than ``min_delta``, set
    lr = max(lr * factor, min_lr), then wait ``cooldown`` epochs before counting again."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = check_mode(mode, "Learning rate reduction")
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._maximize = None
        self._reset()

    def _reset(self):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _improved(self, current):
        if self.best is None:
            return not math.isnan(current)
        if self._maximize:
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        lr_logs(self.model, logs)  # the rate this epoch trained with
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{','.join(logs)}.", stacklevel=3)
            return
        if self._maximize is None:
            self._maximize = bigger_is_better(self.monitor, self.mode, self.model)
        current = float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for opt in lr_owners(self.model):  # a MultiOptimizer's parts, each
                    old = float(opt.learning_rate)
                    if old > np.float32(self.min_lr):  # float32: an lr at min_lr stays put
                        new = max(old * self.factor, self.min_lr)
                        opt.learning_rate = new
                        reduced = True
                        if self.verbose > 0:
                            sys.stdout.write(f"\nEpoch {epoch + 1}: ReduceLROnPlateau "
                                             f"reducing learning rate to {new}.\n")
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
