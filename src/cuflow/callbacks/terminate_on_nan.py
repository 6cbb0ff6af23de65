"""``TerminateOnNaN``: stop training as soon as a batch loss is NaN or infinite."""

from __future__ import annotations

import math
import sys

from .callback import Callback


class TerminateOnNaN(Callback):
    """Reads ``loss`` after every batch: on the GPU that is a device sync per step, the price
    of stopping at the first bad batch (Keras semantics)."""

    def on_batch_end(self, batch, logs=None):
        if not logs or "loss" not in logs:
            return
        loss = float(logs["loss"])
        if math.isnan(loss) or math.isinf(loss):
            sys.stdout.write(f"Batch {batch}: Invalid loss, terminating training\n")
            sys.stdout.flush()
            self.model.stop_training = True
