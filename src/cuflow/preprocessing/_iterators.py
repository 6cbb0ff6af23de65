"""Batch iterators behind ``ImageDataGenerator.flow`` / ``flow_from_directory``.

They are Keras ``Sequence``-shaped (``__len__``, ``__getitem__``, ``on_epoch_end``) so ``fit``
takes them directly, and also endless iterators (``next(it)``) as in Keras. Randomness is drawn
from ``np.random.default_rng([seed, epoch, batch])``: a batch is reproducible from the seed
alone, whatever order batches are asked for in, and no global NumPy state is touched.
"""

from __future__ import annotations

import math
import os

import numpy as np

from .. import random as cf_random

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


class Iterator:
    white_list_formats = WHITE_LIST_FORMATS

    def __init__(self, n, batch_size, shuffle, seed):
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive int; received {batch_size!r}")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        # unseeded iterators still draw their base seed from cuflow's host generator, so
        # cuflow.utils.set_random_seed makes them reproducible too
        self.seed = int(cf_random.host_rng().integers(2**31)) if seed is None else int(seed)
        self.epoch = 0
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None

    def _set_index_array(self):
        if self.shuffle:
            self.index_array = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, idx):
        if not -len(self) <= idx < len(self):
            raise IndexError(f"asked for batch {idx}, but the iterator has {len(self)} batches")
        idx %= len(self)
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        rng = np.random.default_rng([self.seed, self.epoch, idx])
        return self._get_batches_of_transformed_samples(index_array, rng)

    def on_epoch_end(self):
        self.epoch += 1
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        # endless, as Keras: a new epoch (new shuffle) starts after the last batch
        if self.batch_index >= len(self):
            self.batch_index = 0
            self.on_epoch_end()
        i = self.batch_index
        self.batch_index += 1
        self.total_batches_seen += 1
        return self[i]

    next = __next__

    def _transform_batch(self, images, rng):
        gen = self.image_data_generator
        out = []
        for x in images:
            params = gen.get_random_transform(x.shape, rng)
            out.append(gen.standardize(gen.apply_transform(x.astype(self.dtype), params)))
        return np.stack(out).astype(self.dtype, copy=False) if out else \
            np.zeros((0,) + self.image_shape, dtype=self.dtype)

    def _maybe_save(self, batch_x, index_array, rng):
        if not self.save_to_dir:
            return
        from ..utils._pil import array_to_img

        for x, j in zip(batch_x, index_array):
            img = array_to_img(x, self.data_format, scale=True)
            name = f"{self.save_prefix}_{j}_{rng.integers(10**7)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, name))

    def _get_batches_of_transformed_samples(self, index_array, rng):
        raise NotImplementedError


def _split(owner, validation_split, subset):
    if subset is None:
        return None
    if subset not in ("training", "validation"):
        raise ValueError(f"{owner}: subset must be 'training' or 'validation'; received "
                         f"{subset!r}")
    if not validation_split:
        raise ValueError(f"{owner}: subset={subset!r} needs ImageDataGenerator("
                         f"validation_split=...) > 0")
    return (0.0, validation_split) if subset == "validation" else (validation_split, 1.0)


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from in-memory arrays. The validation subset is the first
    ``validation_split`` fraction of the samples, as in Keras."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format="channels_last", save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype="float32"):
        self.dtype = np.dtype(dtype or "float32")
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"input data in NumpyArrayIterator should have rank 4 (a batch of "
                             f"images); received shape {x.shape}")
        if y is not None:
            y = np.asarray(y)
            if len(x) != len(y):
                raise ValueError(f"x (images tensor) and y (labels) should have the same length; "
                                 f"received x.shape = {x.shape}, y.shape = {y.shape}")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if len(sample_weight) != len(x):
                raise ValueError(f"x and sample_weight should have the same length; received "
                                 f"{len(x)} and {len(sample_weight)}")
        split = _split("flow", image_data_generator._validation_split, subset)
        if split is not None:
            cut = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:cut]), np.unique(y[cut:]))):
                raise ValueError("training and validation subsets have different classes after "
                                 "the split; shuffle the data first or pass "
                                 "ignore_class_split=True")
            part = slice(0, cut) if subset == "validation" else slice(cut, None)
            x = x[part]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.image_shape = tuple(x.shape[1:])
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, \
            save_format
        super().__init__(len(x), batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array, rng):
        batch_x = self._transform_batch(self.x[index_array], rng)
        self._maybe_save(batch_x, index_array, rng)
        if self.y is None:
            return batch_x
        out = (batch_x, self.y[index_array])
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out


def _list_files(folder, follow_links):
    """Image files under ``folder`` (recursively), in Keras's order: walk roots sorted, then
    names sorted."""
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda t: t[0]):
        for name in sorted(files):
            if name.lower().endswith(tuple("." + e for e in WHITE_LIST_FORMATS)):
                found.append(os.path.join(root, name))
    return found


class DirectoryIterator(Iterator):
    """Batches of images read from ``directory/<class>/*.png|jpg|...`` with Pillow."""

    CLASS_MODES = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format="channels_last", save_to_dir=None,
                 save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype="float32"):
        from ..utils._pil import pil_image

        pil_image()  # fail early, with the install hint, rather than at the first batch
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: {directory!r} is not a directory")
        if color_mode not in ("grayscale", "rgb", "rgba"):
            raise ValueError(f"color_mode must be 'grayscale', 'rgb' or 'rgba'; received "
                             f"{color_mode!r}")
        if class_mode not in self.CLASS_MODES:
            raise ValueError(f"class_mode must be one of {self.CLASS_MODES}; received "
                             f"{class_mode!r}")
        self.dtype = np.dtype(dtype or "float32")
        self.directory = directory
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(s) for s in target_size)
        self.color_mode, self.class_mode = color_mode, class_mode
        self.data_format = data_format
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, \
            save_format
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = self.target_size + (channels,) if data_format == "channels_last" \
            else (channels,) + self.target_size
        if classes is None:
            classes = sorted(d for d in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, d)))
        self.class_indices = {c: i for i, c in enumerate(classes)}
        self.num_classes = len(classes)
        split = _split("flow_from_directory", image_data_generator._validation_split, subset)
        paths, labels = [], []
        for cls in classes:
            files = _list_files(os.path.join(directory, cls), follow_links)
            if split is not None:
                files = files[int(split[0] * len(files)):int(split[1] * len(files))]
            paths += files
            labels += [self.class_indices[cls]] * len(files)
        self._filepaths = paths
        self.filenames = [os.path.relpath(p, directory) for p in paths]
        self.classes = np.asarray(labels, dtype="int32")
        self.samples = len(paths)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return list(self._filepaths)

    @property
    def labels(self):
        return self.classes

    def _load(self, j):
        from ..utils._pil import img_to_array, load_img

        img = load_img(self._filepaths[j], color_mode=self.color_mode,
                       target_size=self.target_size, interpolation=self.interpolation,
                       keep_aspect_ratio=self.keep_aspect_ratio)
        x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
        img.close()
        return x

    def _get_batches_of_transformed_samples(self, index_array, rng):
        batch_x = self._transform_batch([self._load(j) for j in index_array], rng)
        self._maybe_save(batch_x, index_array, rng)
        labels = self.classes[index_array]
        if self.class_mode is None:
            return batch_x
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("sparse", "binary"):
            return batch_x, labels.astype(self.dtype)
        batch_y = np.zeros((len(index_array), self.num_classes), dtype=self.dtype)
        batch_y[np.arange(len(index_array)), labels] = 1
        return batch_x, batch_y
