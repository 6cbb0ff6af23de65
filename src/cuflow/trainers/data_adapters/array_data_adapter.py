"""In-memory arrays (NumPy, CuPy, Tensors, nested lists / dicts of them) as batches: copied to
the model's device once per ``fit``, cut into batches there."""

from __future__ import annotations

import math

import numpy as np

from ... import random as cf_random
from ...backend import get_backend, get_device
from ...tensor import Tensor
from ...tree import flatten, map_structure
from .data_adapter_utils import class_weight_to_sample_weight, device_array, is_host_text, length


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
        self.x = map_structure(lambda a: device_array(a, self.bk), x)
        self.y = None if y is None else map_structure(lambda a: device_array(a, self.bk), y)
        self.sw = None if sample_weight is None else device_array(sample_weight, self.bk)
        n = length(self.x, "x")
        if n == 0:  # no step would run: a loss of 0.0 would be reported for nothing
            raise ValueError(f"the input data holds 0 samples (x of shape "
                             f"{tuple(flatten(self.x)[0].shape)}); expected at least one")
        if self.y is not None:
            ny = length(self.y, "y")
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
            d.n = length(d.x, "x")
            d.steps = math.ceil(d.n / d.batch_size)
            return d

        return make(head), make(tail)
