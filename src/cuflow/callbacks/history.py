"""``History``: every epoch's logs, kept as ``history[key] -> list``; fit returns it."""

from __future__ import annotations

from .callback import Callback


class History(Callback):
    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        # set after every epoch so model.history is current even if training stops early
        if self.model is not None:
            self.model.history = self
