"""``LaunchProfiler``: the per-layer launch / op / time report of ``summary(kernels=True)``, for
real training steps of ``fit``."""

from __future__ import annotations

from .callback import Callback


class LaunchProfiler(Callback):
    """Instrument training batches ``batches=(first, last)`` (inclusive, of the first epoch,
    as TensorBoard's ``profile_batch``) and print the mean per-step report when they end.

    The report is kept as ``self.report`` (a ``cuflow.debug.launches.LaunchReport``). Profiling
    adds a device synchronisation per layer on the GPU, so only the given batches pay for it.
    """

    def __init__(self, batches=(2, 5), print_fn=print):
        super().__init__()
        if isinstance(batches, int):
            batches = (batches, batches)
        first, last = (int(b) for b in batches)
        if first < 0 or last < first:
            raise ValueError(f"batches must be (first, last) with 0 <= first <= last; received "
                             f"{batches!r}")
        self.first, self.last = first, last
        self.print_fn = print_fn
        self.report = None
        self._instrument = None
        self._steps = 0
        self._done = False

    def on_train_batch_begin(self, batch, logs=None):
        if not self._done and self._instrument is None and batch == self.first:
            from ..debug._instrument import Instrument

            self._instrument = Instrument(self.model).__enter__()
            self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        if self._instrument is None:
            return
        self._steps += 1
        if batch >= self.last:
            self._finish()

    def on_epoch_end(self, epoch, logs=None):
        self._finish()  # an epoch shorter than the range: report what was seen

    def on_train_end(self, logs=None):
        self._finish()

    def _finish(self):
        if self._instrument is None:
            return
        from ..debug.launches import LaunchReport

        ins, self._instrument = self._instrument, None
        ins.__exit__(None, None, None)
        self._done = True
        self.report = LaunchReport(ins, steps=self._steps,
                                   note=f"batches {self.first}..{self.first + self._steps - 1}")
        if self.print_fn is not None:
            self.print_fn(str(self.report))
