"""cuflow's stand-in for the ``tf.data.Dataset`` objects Keras's dataset helpers return, and
``split_dataset``.

Keras returns ``tf.data.Dataset``; cuflow has no tf.data. ``Dataset`` here is a
``cuflow.utils.PyDataset`` of batches: ``fit`` / ``evaluate`` / ``predict`` take it, ``for x, y in
ds`` iterates it, ``len(ds)`` is the number of batches, ``ds[i]`` is batch ``i``. It offers the
tf.data methods ported programs use most — ``take``, ``skip``, ``map``, ``batch``, ``unbatch``,
``shuffle``, ``prefetch`` / ``cache`` (no-ops), ``as_numpy_iterator``, ``cardinality`` — all
computed lazily on the host with NumPy. Elements are NumPy arrays (strings: ``str`` arrays), not
tensors. Shuffling is reproducible: the first pass follows Keras's seeded order, later passes
(after ``on_epoch_end`` — called by ``fit`` and at the end of each full ``for`` loop) use a fresh
permutation drawn from ``(seed, epoch)``; tf.data's buffered shuffle order is not reproduced.
"""

from __future__ import annotations

import copy
import math
import random

import numpy as np

from ..trainers.data_adapters import PyDataset
from ..tree import flatten, map_structure


class Dataset(PyDataset):
    """An indexable, iterable sequence of batches (cuflow's stand-in for ``tf.data.Dataset``).

    Subclasses implement ``__len__`` and ``__getitem__``. ``fit`` keeps their order (it does not
    shuffle batches of a Dataset, as it does not shuffle a tf.data.Dataset); a Dataset built with
    ``shuffle=True`` reshuffles itself in ``on_epoch_end``.
    """

    _fit_shuffles_batches = False

    def __init__(self):
        super().__init__()

    def __len__(self):
        raise NotImplementedError

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()  # a full pass is an epoch: shuffled datasets reshuffle

    def cardinality(self):
        return len(self)

    def as_numpy_iterator(self):
        return iter(self)

    def take(self, count):
        """The first ``count`` elements (all of them for ``count=-1``)."""
        return _Slice(self, 0, None if count is None or count < 0 else int(count))

    def skip(self, count):
        return _Slice(self, int(count), None)

    def map(self, map_func):
        """``map_func(*element)`` for tuple elements, else ``map_func(element)``, lazily."""
        return _Map(self, map_func)

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """The elements in a random order (the whole dataset, whatever ``buffer_size``)."""
        return _Shuffle(self, seed, reshuffle_each_iteration)

    def prefetch(self, buffer_size=None):
        return self

    def cache(self, filename=""):
        return self

    def with_options(self, options=None):
        return self

    def repeat(self, count=None):
        raise NotImplementedError("cuflow datasets do not repeat: fit iterates them once per "
                                  "epoch (pass epochs=...)")

    def __repr__(self):
        return f"<{type(self).__name__} with {len(self)} elements>"


class _View(Dataset):
    def __init__(self, parent):
        super().__init__()
        self._parent = parent

    def __getattr__(self, name):  # class_names, file_paths, batch_size ... of the source
        if name.startswith("__") or name == "_parent":
            raise AttributeError(name)
        return getattr(self._parent, name)

    def on_epoch_begin(self):
        self._parent.on_epoch_begin()

    def on_epoch_end(self):
        self._parent.on_epoch_end()

    def batch(self, batch_size, drop_remainder=False):
        return _rebatch(self, batch_size, drop_remainder)

    def unbatch(self):
        return ArrayDataset(_materialize(self), batch_size=None)


class _Slice(_View):
    def __init__(self, parent, start, stop):
        super().__init__(parent)
        n = len(parent)
        self._start = min(start, n)
        self._stop = n if stop is None else min(self._start + stop, n)

    def __len__(self):
        return self._stop - self._start

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} out of range for a dataset of {len(self)} elements")
        return self._parent[self._start + i]


class _Map(_View):
    def __init__(self, parent, fn):
        super().__init__(parent)
        if not callable(fn):
            raise TypeError(f"map expects a callable; received {type(fn).__name__}")
        self._fn = fn

    def __len__(self):
        return len(self._parent)

    def __getitem__(self, i):
        element = self._parent[i]
        return self._fn(*element) if isinstance(element, tuple) else self._fn(element)


class _Shuffle(_View):
    def __init__(self, parent, seed, reshuffle):
        super().__init__(parent)
        self._seed = seed if seed is not None else random.randint(0, 10 ** 6)
        self._reshuffle = reshuffle
        self._epoch = 0
        self._perm = np.random.default_rng([self._seed, 0]).permutation(len(parent))

    def __len__(self):
        return len(self._parent)

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} out of range for a dataset of {len(self)} elements")
        return self._parent[int(self._perm[i])]

    def on_epoch_end(self):
        self._parent.on_epoch_end()
        if self._reshuffle:
            self._epoch += 1
            self._perm = np.random.default_rng([self._seed, self._epoch]).permutation(
                len(self._parent))


class SampleDataset(Dataset):
    """Samples ``0 .. n-1`` cut into batches of ``batch_size`` (None: one sample per element).

    Subclasses implement ``_load(indices)``, the batch of those samples (a NumPy structure).
    With ``shuffle`` the sample order changes at every ``on_epoch_end``.
    """

    def __init__(self, n, batch_size=None, shuffle=False, seed=None, drop_remainder=False):
        super().__init__()
        if batch_size is not None and (isinstance(batch_size, bool) or
                                       int(batch_size) != batch_size or batch_size <= 0):
            raise ValueError(f"batch_size must be a positive int or None; received "
                             f"{batch_size!r}")
        self._n = int(n)
        self.batch_size = None if batch_size is None else int(batch_size)
        self._drop_remainder = bool(drop_remainder)
        self._shuffle = bool(shuffle)
        self._seed = seed
        self._epoch = 0
        self._order = np.arange(self._n)

    def _load(self, indices):
        raise NotImplementedError

    def __len__(self):
        if self.batch_size is None:
            return self._n
        if self._drop_remainder:
            return self._n // self.batch_size
        return math.ceil(self._n / self.batch_size)

    def __getitem__(self, i):
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"dataset indices must be ints; received {type(i).__name__}")
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} out of range for a dataset of {len(self)} elements")
        if self.batch_size is None:
            return map_structure(lambda a: a[0], self._load(self._order[i:i + 1]))
        return self._load(self._order[i * self.batch_size:(i + 1) * self.batch_size])

    def on_epoch_end(self):
        if self._shuffle and self._n > 1:
            self._epoch += 1
            seed = 0 if self._seed is None else int(self._seed)
            self._order = np.random.default_rng([seed, self._epoch]).permutation(self._n)

    def batch(self, batch_size, drop_remainder=False):
        """Batches of ``batch_size`` samples (call on an unbatched dataset)."""
        if self.batch_size is not None:
            return _rebatch(self, batch_size, drop_remainder)
        out = copy.copy(self)
        SampleDataset.__init__(out, self._n, batch_size, self._shuffle, self._seed,
                               drop_remainder)
        out._order, out._epoch = self._order, self._epoch
        return out

    def unbatch(self):
        """The same samples one by one."""
        out = copy.copy(self)
        out.batch_size = None
        return out


class ArrayDataset(SampleDataset):
    """Slices of in-memory arrays (``tf.data.Dataset.from_tensor_slices``, batched or not).

    ``data``: an array, or a tuple / list / dict of arrays with the same first dimension.
    """

    def __init__(self, data, batch_size=None, shuffle=False, seed=None, drop_remainder=False):
        if isinstance(data, list):
            data = tuple(data)
        data = map_structure(np.asarray, data)
        lengths = {len(a) if a.ndim else None for a in flatten(data)}
        if None in lengths or len(lengths) != 1:
            raise ValueError(f"all arrays must have the same first dimension; received lengths "
                             f"{sorted(str(n) for n in lengths)}")
        self._data = data
        super().__init__(lengths.pop(), batch_size, shuffle, seed, drop_remainder)

    @classmethod
    def from_tensor_slices(cls, data):
        return cls(data)

    def _load(self, indices):
        return map_structure(lambda a: a[indices], self._data)


def _materialize(ds):
    """Every sample of ``ds`` stacked into one structure of arrays (batched or not)."""
    if isinstance(ds, ArrayDataset):
        return map_structure(lambda a: a[ds._order], ds._data)
    if isinstance(ds, SampleDataset):
        return ds._load(ds._order)
    elements = [ds[i] for i in range(len(ds))]
    if not elements:
        raise ValueError("the dataset is empty")
    batched = getattr(ds, "batch_size", None) is not None
    join = np.concatenate if batched else np.stack

    def gather(path_fn):
        return join([np.asarray(path_fn(e)) for e in elements])

    first = elements[0]
    if isinstance(first, (tuple, list)):
        return tuple(gather(lambda e, k=k: e[k]) for k in range(len(first)))
    if isinstance(first, dict):
        return {k: gather(lambda e, k=k: e[k]) for k in first}
    return gather(lambda e: e)


def _rebatch(ds, batch_size, drop_remainder):
    return ArrayDataset(_materialize(ds), batch_size=batch_size, drop_remainder=drop_remainder)


# ---- split_dataset -----------------------------------------------------------------------------
def _rescale_split_sizes(left_size, right_size, total):
    lt, rt = type(left_size), type(right_size)
    if (left_size is not None and lt not in (int, float)) and \
            (right_size is not None and rt not in (int, float)):
        raise TypeError(f"Invalid `left_size` and `right_size` Types. Expected: integer or float "
                        f"or None, Received: type(left_size)={lt} and type(right_size)={rt}")
    if left_size is not None and lt not in (int, float):
        raise TypeError(f"Invalid `left_size` Type. Expected: int or float or None, Received: "
                        f"type(left_size)={lt}.")
    if right_size is not None and rt not in (int, float):
        raise TypeError(f"Invalid `right_size` Type. Expected: int or float or None, Received: "
                        f"type(right_size)={rt}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for size, t, side in ((left_size, lt, "left"), (right_size, rt, "right")):
        if (t is int and (size <= 0 or size >= total)) or \
                (t is float and (size <= 0 or size >= 1)):
            raise ValueError(f"`{side}_size` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{side}_size={size}")
    if lt is float and rt is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if lt is float else left_size
    right = round(right_size * total) if rt is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length '{total}', `left_size`={left_size} and "
                             f"`right_size`={right_size}. Resulting {side} side dataset split "
                             f"will be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split arrays (or a dataset) into two datasets, as ``keras.utils.split_dataset``.

    ``dataset``: an array, a tuple / list of arrays of one length (a list comes back as a tuple,
    as Keras), a dict of arrays, or a cuflow ``Dataset``. Sizes are ints (samples) or floats
    (fractions); the missing one is the rest. With ``shuffle`` the samples are permuted exactly as
    Keras does (``random.Random(seed)``), so the same seed splits the same way. The halves are
    unbatched ``ArrayDataset`` s — batched again with the input's batch size when the input was a
    batched cuflow Dataset (as Keras does for a batched tf.data.Dataset).
    """
    batch_size = None
    if isinstance(dataset, Dataset):
        batch_size = getattr(dataset, "batch_size", None)
        data = _materialize(dataset)
    elif isinstance(dataset, np.ndarray):
        data = dataset
    elif isinstance(dataset, (tuple, list)):
        if len(dataset) == 0:
            raise ValueError("Received an empty list dataset. Please provide a non-empty list of "
                             "arrays.")
        data = tuple(np.asarray(a) for a in dataset)
        lengths = [len(a) if a.ndim else None for a in data]
        if None in lengths or len(set(lengths)) != 1:
            raise ValueError(f"Received a list of NumPy arrays with different lengths "
                             f"{lengths}. Please provide a list of NumPy arrays of the same "
                             f"length.")
    elif isinstance(dataset, dict):
        data = {k: np.asarray(v) for k, v in dataset.items()}
    else:
        raise TypeError(f"The `dataset` argument must be either a cuflow Dataset, a NumPy array, "
                        f"or a list/tuple/dict of arrays. Received: dataset={dataset!r} of type "
                        f"{type(dataset)}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    total = len(flatten(data)[0])
    indices = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(indices)
    left, right = _rescale_split_sizes(left_size, right_size, total)
    li, ri = np.asarray(indices[:left], dtype=np.int64), np.asarray(indices[-right:],
                                                                    dtype=np.int64)
    out = [ArrayDataset(map_structure(lambda a, ix=ix: a[ix], data)) for ix in (li, ri)]
    if batch_size is not None:
        out = [d.batch(batch_size) for d in out]
    return out[0], out[1]
