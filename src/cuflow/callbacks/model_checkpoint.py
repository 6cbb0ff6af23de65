"""``ModelCheckpoint``: save the model (or its weights) every epoch, every N batches, or when
the monitored value improves."""

from __future__ import annotations

import math
import os
import sys
import warnings

from ._monitor import bigger_is_better, check_mode
from .callback import Callback


class ModelCheckpoint(Callback):
    """Saves to ``filepath``, which may name ``{epoch}`` (1-based), ``{batch}`` and log keys with
    format specs: ``"ckpt-{epoch:02d}-{val_loss:.2f}.cuflow"``.

    ``save_best_only``: save only when ``monitor`` improves on the best so far (starting from
    ``initial_value_threshold`` when given). ``save_freq``: "epoch" or a number of batches.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = check_mode(mode, "ModelCheckpoint")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                             f"'epoch' or a positive integer number of batches")
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._maximize = None
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        # a batch index not above the last one means a new epoch started
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_since_save += added
        self._last_batch_seen = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            return True
        return False

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except (KeyError, IndexError) as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e!r} is not in the logs (available: {sorted(logs)})") \
                from None

    def _write(self, filepath):
        from ..distribute import is_chief

        if not is_chief(self.model):
            return  # data-parallel: replicas are identical, rank 0 writes the one file
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)

    def _save(self, epoch, batch, logs):
        # Batch logs may be lazy: reading them (only on a save) gives plain floats for format().
        logs = {k: _plain(v) for k, v in (logs or {}).items()}
        filepath = self._file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"Please specify a non-directory filepath for "
                                    f"ModelCheckpoint. Filepath used is an existing directory: "
                                    f"{filepath}")
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if not self.save_best_only:
            self._say(f"\nEpoch {epoch + 1}: saving model to {filepath}\n")
            self._write(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.",
                          stacklevel=3)
            return
        if self._maximize is None:
            self._maximize = bigger_is_better(self.monitor, self.mode, self.model)
        current = float(current)
        if self._improved(current):
            previous = self.best if self.best is not None else \
                (-math.inf if self._maximize else math.inf)
            self._say(f"\nEpoch {epoch + 1}: {self.monitor} improved from {previous:.5f} to "
                      f"{current:.5f}, saving model to {filepath}\n")
            self.best = current
            self._write(filepath)
        else:
            self._say(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                      f"{self.best:.5f}\n")

    def _improved(self, current):
        if self.best is None:
            return not math.isnan(current)
        return current > self.best if self._maximize else current < self.best

    def _say(self, text):
        from ..distribute import is_chief

        if self.verbose > 0 and is_chief(self.model):
            sys.stdout.write(text)
            sys.stdout.flush()


def _plain(value):
    try:
        return float(value)
    except (TypeError, ValueError):  # strings or arrays stay as they are
        return value
