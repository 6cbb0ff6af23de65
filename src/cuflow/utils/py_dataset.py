"""``PyDataset`` (alias ``Sequence``): batches written in Python, as ``keras.utils.PyDataset``.

A subclass implements ``__getitem__(index)`` returning one *batch* — ``x``, ``(x,)``,
``(x, y)`` or ``(x, y, sample_weight)`` — and ``__len__`` (or the ``num_batches`` property;
``None`` means infinite, ``fit`` then needs ``steps_per_epoch``). ``fit`` / ``evaluate`` /
``predict`` take it directly; ``on_epoch_begin`` / ``on_epoch_end`` are called around each
epoch, and ``fit(shuffle=True)`` (the default) visits the batches in a random order, as Keras 3.

``workers`` / ``use_multiprocessing`` / ``max_queue_size`` are accepted as in Keras. With
``workers > 1`` the batches are fetched ahead by a thread pool (at most ``max_queue_size`` in
flight) and still consumed in order. Deviation: ``use_multiprocessing=True`` also uses threads —
cuflow never forks processes for data loading (a forked process cannot share the GPU context).
"""

from __future__ import annotations

import warnings


class PyDataset:
    """Base class for Python datasets of batches (Keras 3 ``PyDataset`` / ``Sequence``)."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        warn = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, attr):
                setattr(self, attr, default)
                warn = True
        if warn:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                          "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                          "`max_queue_size`. Do not pass these arguments to `fit()`, as they "
                          "will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) "
                                  f"returning one batch")

    @property
    def num_batches(self):
        """Number of batches, or None for an infinite dataset (``__len__`` by default)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""

    def __iter__(self):
        """Batches ``0 .. num_batches - 1`` in order (endless when ``num_batches`` is None).

        Keras leaves iteration to Python's ``__getitem__`` protocol, which never ends for a
        ``__getitem__`` that slices arrays past their end; here it stops at ``num_batches``.
        """
        n = self.num_batches
        i = 0
        while n is None or i < n:
            yield self[i]
            i += 1


Sequence = PyDataset
