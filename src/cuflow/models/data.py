"""Feeding ``fit`` / ``evaluate`` / ``predict``: arrays (moved to the device once), Keras
``Sequence``-like objects (``__len__`` + ``__getitem__``) and plain generators."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import random as cf_random
from ..backend import get_backend, get_device
from ..tensor import Tensor
from ..tree import flatten as _flatten
from ..tree import map_structure


def is_host_text(a):
    """Text data (a NumPy array of str / bytes / object) stays on the host: strings never go
    to a device, the model's text layers (TextVectorization, StringLookup ...) read them."""
    return isinstance(a, np.ndarray) and a.dtype.kind in "USO"


def _device_array(x, bk):
    """One upload per fit: float64 becomes float32 as Keras casts to the model's dtype."""
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, (str, bytes)) for v in x):
        x = np.asarray(x)
    if is_host_text(x):
        if x.ndim == 0:
            raise ValueError("model data must have a batch axis; received a scalar")
        return x
    if isinstance(x, Tensor):
        arr = x.data if x._backend is bk else bk.asarray(x.numpy())
    elif hasattr(x, "__cuda_array_interface__") or isinstance(x, np.ndarray):
        arr = x if bk.is_native(x) else bk.asarray(x)
    else:
        try:
            arr = bk.asarray(np.asarray(x))
        except (TypeError, ValueError) as e:
            raise TypeError(f"cannot use {type(x).__name__} as model data: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"model data must be numeric; received an array of dtype {arr.dtype}")
    if arr.dtype == np.float64 or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if arr.ndim == 0:
        raise ValueError("model data must have a batch axis; received a scalar")
    return arr


def is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, list, tuple, dict)) or \
        hasattr(x, "__cuda_array_interface__")


def _length(structure, what):
    lengths = {int(a.shape[0]) for a in _flatten(structure)}
    if len(lengths) > 1:
        raise ValueError(f"all arrays in {what} must have the same number of samples; received "
                         f"lengths {sorted(lengths)}")
    return lengths.pop() if lengths else None


def class_weight_to_sample_weight(y, class_weight, bk):
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict mapping class index to weight; received "
                        f"{type(class_weight).__name__}")
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("class_weight is only supported for models with a single output")
    labels = bk.to_numpy(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(labels.shape[0], -1)[:, 0] if labels.ndim > 1 else labels
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(len(labels), dtype=np.float32)
    for cls, w in class_weight.items():
        weights[labels == int(cls)] = float(w)
    return bk.asarray(weights)


class ArrayData:
    """In-memory arrays cut into batches on the device (shuffled by a seeded permutation)."""

    # cuflow.distribute sets this (a ``Shard``): each yielded batch is then this rank's rows of
    # the global batch, which may be empty on some ranks for the last, smallest batch
    shard = None

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps=None, class_weight=None, device=None):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size <= 0):
            raise ValueError(f"batch_size must be a positive int; received {batch_size!r}")
        self.bk = get_backend(device or get_device())
        self.x = map_structure(lambda a: _device_array(a, self.bk), x)
        self.y = None if y is None else map_structure(lambda a: _device_array(a, self.bk), y)
        self.sw = None if sample_weight is None else _device_array(sample_weight, self.bk)
        n = _length(self.x, "x")
        if self.y is not None:
            ny = _length(self.y, "y")
            if ny != n:
                raise ValueError(f"x and y must have the same number of samples; received x with "
                                 f"{n} samples and y with {ny}")
        if self.sw is not None and int(self.sw.shape[0]) != n:
            raise ValueError(f"sample_weight must have one entry per sample ({n}); received "
                             f"{int(self.sw.shape[0])}")
        if class_weight is not None:
            if self.y is None:
                raise ValueError("class_weight needs targets y")
            cw = class_weight_to_sample_weight(self.y, class_weight, self.bk)
            self.sw = cw if self.sw is None else self.sw * cw
        self.n = n
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        full = math.ceil(n / self.batch_size) if n else 0
        self.steps = full if steps is None else min(int(steps), full) if full else int(steps)

    def __len__(self):
        return self.steps

    def _take(self, arr, idx, host_idx=None):
        if isinstance(idx, slice):
            return arr[idx]
        if is_host_text(arr):
            return arr[host_idx]
        return self.bk.xp.take(arr, idx, axis=0)

    def batches(self):
        order = perm = None
        if self.shuffle and self.n > 1:
            if self.shard is not None:  # the same permutation on every rank
                self.shard.sync_host_rng()
            perm = cf_random.host_rng().permutation(self.n)
            order = perm if self.bk.device == "cpu" else self.bk.asarray(perm)
        for step in range(self.steps):
            lo = step * self.batch_size
            hi = min(lo + self.batch_size, self.n)
            if lo >= hi:
                break
            if self.shard is not None:
                lo, hi = self.shard.bounds(lo, hi)
            idx = slice(lo, hi) if order is None else order[lo:hi]
            host_idx = None if perm is None else perm[lo:hi]

            def cut(a, idx=idx, host_idx=host_idx):
                part = self._take(a, idx, host_idx)
                return part if is_host_text(part) else Tensor._wrap(part, backend=self.bk)

            yield (map_structure(cut, self.x),
                   None if self.y is None else map_structure(cut, self.y),
                   None if self.sw is None else cut(self.sw))

    def first_x(self):
        return map_structure(lambda a: a[:1], self.x)

    def split(self, fraction):
        """Keras's validation_split: the last ``fraction`` of samples, taken before shuffling."""
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"validation_split must be in (0, 1); received {fraction!r}")
        cut = int(self.n * (1.0 - fraction))
        if cut == 0 or cut == self.n:
            raise ValueError(f"validation_split={fraction} leaves no samples for training or "
                             f"validation with {self.n} samples")

        def head(a):
            return a[:cut]

        def tail(a):
            return a[cut:]

        def make(fn):
            d = object.__new__(ArrayData)
            d.__dict__.update(self.__dict__)
            d.x = map_structure(fn, self.x)
            d.y = None if self.y is None else map_structure(fn, self.y)
            d.sw = None if self.sw is None else fn(self.sw)
            d.n = _length(d.x, "x")
            d.steps = math.ceil(d.n / d.batch_size)
            return d

        return make(head), make(tail)


def _unpack(item):
    if isinstance(item, tuple):
        if len(item) == 1:
            return item[0], None, None
        if len(item) == 2:
            return item[0], item[1], None
        if len(item) == 3:
            return item
        raise ValueError(f"a data batch must be x, (x,), (x, y) or (x, y, sample_weight); "
                         f"received a tuple of {len(item)} items")
    return item, None, None


class SequenceData:
    """Objects with ``__len__`` and ``__getitem__`` returning batches (Keras ``Sequence`` /
    ``PyDataset``, ``ImageDataGenerator.flow``) or, with ``steps``, any iterator of batches.

    A ``cuflow.utils.PyDataset`` is handled as Keras 3 does: ``num_batches`` (None: infinite,
    needs ``steps``), ``on_epoch_begin`` / ``on_epoch_end`` around each epoch, the batch order
    shuffled when ``shuffle`` (fit's default), a list batch read as a tuple, and ``workers > 1``
    fetching batches ahead on threads."""

    shard = None  # cuflow.distribute: keep this rank's rows of each batch (see ArrayData)

    def __init__(self, source, steps=None, device=None, shuffle=False, class_weight=None):
        from ..utils.py_dataset import PyDataset

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
        if steps is None and not has_len:
            raise ValueError("a generator without a length needs steps_per_epoch (fit) or steps "
                             "(evaluate / predict)")
        self.steps = int(steps) if steps is not None else total
        self._total = total
        self._next = 0  # an infinite PyDataset keeps counting across epochs
        self.shuffle = bool(shuffle) and self._py and total is not None and \
            getattr(source, "_fit_shuffles_batches", True)
        self.class_weight = class_weight
        self._indexable = has_len
        self._iter = None

    def __len__(self):
        return self.steps

    def _wrap(self, batch):
        if self._py and isinstance(batch, list):
            batch = tuple(batch)  # as Keras's PyDataset adapter
        x, y, sw = _unpack(batch)
        if self.shard is not None:
            x, y, sw = self.shard.cut(x, y, sw)

        def conv(a):
            arr = _device_array(a, self.bk)
            return arr if is_host_text(arr) else Tensor._wrap(arr, backend=self.bk)

        if self.class_weight is not None:
            if sw is not None:
                raise ValueError("You cannot specify `class_weight` and `sample_weight` at the "
                                 "same time (the data yields sample weights)")
            if y is None:
                raise ValueError("class_weight needs targets: the data yields no y")
            sw = class_weight_to_sample_weight(
                map_structure(lambda a: _device_array(a, self.bk), y), self.class_weight,
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
        for _ in range(self.steps):
            try:
                yield self._wrap(next(self._iter))
            except StopIteration:
                return

    def first_x(self):
        first = self.source[0] if self._indexable else None
        if first is None:
            return None
        if self._py and isinstance(first, list):
            first = tuple(first)
        x, _, _ = _unpack(first)
        return map_structure(lambda a: _device_array(a, self.bk)[:1], x)


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
              class_weight=None, device=None):
    """Batches on ``device`` (the model's), copying arrays there once, not per step."""
    if x is None:
        raise ValueError("no input data: x is None")
    if is_array_like(x):
        return ArrayData(x, y, sample_weight, batch_size or 32, shuffle, steps, class_weight,
                         device)
    if y is not None:
        raise ValueError("y must not be given when x is a generator or Sequence (it yields "
                         "(x, y) batches itself)")
    return SequenceData(x, steps, device, shuffle=shuffle, class_weight=class_weight)
