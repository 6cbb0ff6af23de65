"""``ProgbarLogger``: the per-epoch progress bar ``fit``/``evaluate``/``predict`` print."""

from __future__ import annotations

import sys
import time

from ..utils.progbar import Progbar
from .callback import Callback


def resolve_verbose(verbose):
    """'auto' -> 1 on a terminal (live bar), 2 otherwise (one line per epoch)."""
    if verbose == "auto":
        isatty = getattr(sys.stdout, "isatty", None)
        return 1 if isatty and isatty() else 2
    return verbose


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a Keras-style progress bar per epoch.

    Batch logs may be lazy (reading a value syncs the GPU), so they are read at most once per
    ``interval`` seconds and on the last batch; skipped batches only advance the step count.
    ``dynamic`` forces (or forbids) in-place redraws; default: when stdout is a terminal.
    """

    def __init__(self, interval=0.25, dynamic=None):
        super().__init__()
        self.interval = interval
        self.dynamic = dynamic
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.seen = 0
        self.progbar = None
        self._last_draw = None
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = resolve_verbose(params.get("verbose", 1))
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:  # validation inside fit draws nothing
            self._reset()

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            sys.stdout.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            sys.stdout.flush()

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(logs)

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    # ---- internals -----------------------------------------------------------------------
    def _reset(self):
        self.seen = 0
        self.progbar = None
        self._last_draw = None
        self._bar()  # the clock starts now, at the start of the epoch / evaluation

    def _bar(self):
        if self.progbar is None:
            self.progbar = Progbar(self.target, verbose=self.verbose, dynamic=self.dynamic)
        return self.progbar

    def _update(self, batch, logs):
        bar = self._bar()
        self.seen = batch + 1
        bar.mark(self.seen)
        if self.verbose != 1 or not bar._is_dynamic():
            return  # nothing is drawn before the end: never touch the (lazy) logs
        now = time.monotonic()
        last = self.target is not None and self.seen >= self.target
        if not last and self._last_draw is not None and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        bar.update(self.seen, _items(logs), finalize=False)

    def _finalize(self, logs):
        if not self.verbose:
            return
        bar = self._bar()
        if self.target is None:
            self.target = bar.target = self.seen
        bar.update(self.target, _items(logs), finalize=True)


def _items(logs):
    """(name, value) pairs in Keras' order (sorted), reading each lazy value exactly once."""
    if not logs:
        return []
    return [(k, logs[k]) for k in sorted(logs)]
