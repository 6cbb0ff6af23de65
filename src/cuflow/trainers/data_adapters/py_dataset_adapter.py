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

import itertools
import warnings

from ... import random as cf_random
from ...backend import get_backend, get_device
from ...tensor import Tensor
from ...tree import map_structure
from .data_adapter_utils import (
    class_weight_to_sample_weight,
    device_array,
    is_host_text,
    unpack_x_y_sample_weight,
)


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


class SequenceData:
    """Objects with ``__len__`` and ``__getitem__`` returning batches (Keras ``Sequence`` /
    ``PyDataset``, ``ImageDataGenerator.flow``) or, with ``steps``, any iterator of batches.

    A ``cuflow.utils.PyDataset`` is handled as Keras 3 does: ``num_batches`` (None: infinite,
    needs ``steps``), ``on_epoch_begin`` / ``on_epoch_end`` around each epoch, the batch order
    shuffled when ``shuffle`` (fit's default), a list batch read as a tuple, and ``workers > 1``
    fetching batches ahead on threads."""

    shard = None  # cuflow.distribute: keep this rank's rows of each batch (see ArrayData)

    def __init__(self, source, steps=None, device=None, shuffle=False, class_weight=None):
        self.source = source
        self.bk = get_backend(device or get_device())
        self._py = isinstance(source, PyDataset)
        if self._py:
            total = source.num_batches
            total = None if total is None else int(total)
            has_len = True
            if total is None and steps is None:
                raise ValueError(f"{type(source).__name__} is infinite (num_batches is None); "
                                 f"pass steps_per_epoch (fit) or steps (evaluate / predict)")
        else:
            has_len = hasattr(source, "__len__") and hasattr(source, "__getitem__")
            total = len(source) if has_len else None
        # a generator without a length and without ``steps`` runs until it is exhausted (Keras)
        self.steps = int(steps) if steps is not None else total
        self.exhausted = False  # a generator that ran out (Keras: "ran out of data")
        self._total = total
        self._next = 0  # an infinite PyDataset keeps counting across epochs
        self.shuffle = bool(shuffle) and self._py and total is not None and \
            getattr(source, "_fit_shuffles_batches", True)
        self.class_weight = class_weight
        self._indexable = has_len
        self._iter = None

    def __len__(self):
        if self.steps is None:
            raise TypeError("a generator without steps has no length: it runs until exhausted")
        return self.steps

    def _wrap(self, batch):
        if self._py and isinstance(batch, list):
            batch = tuple(batch)  # as Keras's PyDataset adapter
        x, y, sw = unpack_x_y_sample_weight(batch)
        if self.shard is not None:
            x, y, sw = self.shard.cut(x, y, sw)

        def conv(a):
            arr = device_array(a, self.bk)
            return arr if is_host_text(arr) else Tensor._wrap(arr, backend=self.bk)

        if self.class_weight is not None:
            if sw is not None:
                raise ValueError("You cannot specify `class_weight` and `sample_weight` at the "
                                 "same time (the data yields sample weights)")
            if y is None:
                raise ValueError("class_weight needs targets: the data yields no y")
            sw = class_weight_to_sample_weight(
                map_structure(lambda a: device_array(a, self.bk), y), self.class_weight,
                self.bk)
        return (map_structure(conv, x), None if y is None else map_structure(conv, y),
                None if sw is None else conv(sw))

    def _order(self):
        if self._total is None:  # infinite
            start, self._next = self._next, self._next + self.steps
            return range(start, start + self.steps)
        if self.shuffle and self._total > 1:
            if self.shard is not None:  # the same order on every rank
                self.shard.sync_host_rng()
            perm = cf_random.host_rng().permutation(self._total)
            return [int(perm[i % self._total]) for i in range(self.steps)]
        return [i % self._total for i in range(self.steps)]

    def _fetch(self, order):
        workers = self.source.workers if self._py else 1
        if not self._py or (workers <= 1 and not self.source.use_multiprocessing):
            for i in order:
                yield self.source[i]
            return
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        ahead = max(int(self.source.max_queue_size or 1), 1)
        it = iter(order)
        with ThreadPoolExecutor(max_workers=max(int(workers), 1)) as pool:
            pending = deque(pool.submit(self.source.__getitem__, i)
                            for i in itertools.islice(it, ahead))
            try:
                while pending:
                    fut = pending.popleft()
                    nxt = next(it, None)
                    if nxt is not None:
                        pending.append(pool.submit(self.source.__getitem__, nxt))
                    yield fut.result()
            finally:
                for fut in pending:
                    fut.cancel()

    def batches(self):
        if self._indexable:
            if self._py:
                self.source.on_epoch_begin()
            for batch in self._fetch(self._order()):
                yield self._wrap(batch)
            if hasattr(self.source, "on_epoch_end"):
                self.source.on_epoch_end()
            return
        if self._iter is None:
            self._iter = iter(self.source)
        count = itertools.count() if self.steps is None else range(self.steps)
        for _ in count:
            try:
                batch = next(self._iter)
            except StopIteration:
                self.exhausted = True
                return
            yield self._wrap(batch)

    def first_x(self):
        first = self.source[0] if self._indexable else None
        if first is None:
            return None
        if self._py and isinstance(first, list):
            first = tuple(first)
        x, _, _ = unpack_x_y_sample_weight(first)
        return map_structure(lambda a: device_array(a, self.bk)[:1], x)
