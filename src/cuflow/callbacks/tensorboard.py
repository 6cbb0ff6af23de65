"""``TensorBoard``: Keras 3's scalar and histogram logs as TensorBoard event files, written by
``cuflow.utils.tfevents`` (no TensorFlow needed; ``tensorboard --logdir <log_dir>`` reads them).

Layout as Keras: ``<log_dir>/train`` and ``<log_dir>/validation``; per epoch ``epoch_<metric>``
(validation metrics without their ``val_`` prefix, in the validation run) plus
``epoch_learning_rate``; with ``update_freq`` a number N (or "batch" = 1), ``batch_<metric>``
every N training batches at the global step; after a standalone ``evaluate``,
``evaluation_<metric>_vs_iterations``; with ``histogram_freq`` N, a histogram of every weight
(``<layer>/<weight>/histogram``, e.g. ``dense/kernel/histogram``) every N epochs.
"""

from __future__ import annotations

import os
import time
import warnings

from .callback import Callback


def _weight_path(layer, weight):
    name = weight.name.replace(":", "_")
    return name if "/" in name else f"{layer.name}/{name}"  # "dense/kernel", unique per model


class TensorBoard(Callback):
    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or \
                histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0; received "
                             f"{histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or
                                       not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an int >= 1; "
                             f"received {update_freq!r}")
        unsupported = [name for name, value in (("write_images", write_images),
                                                ("profile_batch", profile_batch),
                                                ("embeddings_freq", embeddings_freq)) if value]
        if unsupported:
            # no TensorFlow graph, profiler or projector exists here: say so once, keep going
            warnings.warn(f"TensorBoard: {', '.join(unsupported)} are not written by cuflow "
                          f"(scalars and weight histograms are)", stacklevel=2)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._train_step = 0
        self._epoch_start = None
        self._epoch_batches = 0
        self._in_fit = False

    def _writer(self, run):
        from ..utils.tfevents import EventFileWriter

        w = self._writers.get(run)
        if w is None:
            w = self._writers[run] = EventFileWriter(os.path.join(self.log_dir, run))
        return w

    @staticmethod
    def _scalars(logs, prefix):
        out = {}
        for key, value in (logs or {}).items():
            try:
                out[prefix + key] = float(value)
            except (TypeError, ValueError):  # vector metrics: TensorBoard scalars are numbers
                continue
        return out

    def _learning_rate(self):
        opt = getattr(self.model, "optimizer", None)
        try:
            return float(opt._current_lr())  # the schedule's value at this step
        except (AttributeError, TypeError, ValueError):
            return None

    # ---- fit ---------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._train_step += 1
        self._epoch_batches += 1
        if self.update_freq != "epoch" and self._train_step % self.update_freq == 0:
            self._writer("train").scalars(self._train_step, self._scalars(logs, "batch_"))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        values = self._scalars(train, "epoch_")
        lr = self._learning_rate()
        if lr is not None and "epoch_learning_rate" not in values:
            values["epoch_learning_rate"] = lr
        if self.write_steps_per_second and self._epoch_start is not None:
            seconds = time.perf_counter() - self._epoch_start
            if seconds > 0:
                values["epoch_steps_per_second"] = self._epoch_batches / seconds
        self._writer("train").scalars(epoch, values)
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if val:
            self._writer("validation").scalars(epoch, self._scalars(val, "epoch_"))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._writer("train").histograms(epoch, {
                f"{_weight_path(layer, w)}/histogram": w.numpy()
                for layer in self.model.layers for w in layer.weights})

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close()

    # ---- evaluate ----------------------------------------------------------------------------
    def on_test_end(self, logs=None):
        if self._in_fit:  # validation inside fit: written with the epoch's logs
            return
        self._writer("validation").scalars(
            self._train_step, {f"evaluation_{k}_vs_iterations": v
                               for k, v in self._scalars(logs, "").items()})
        self._close()

    def _close(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}
