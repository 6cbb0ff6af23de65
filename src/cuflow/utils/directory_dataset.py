"""``image_dataset_from_directory`` / ``text_dataset_from_directory``, as Keras 3.

A folder with one sub-folder per class (``labels="inferred"``), files indexed in sorted order,
shuffled once with ``np.random.RandomState(seed)`` exactly as Keras (so the same ``seed`` gives
the same training / validation split as Keras on the same files), then read lazily batch by
batch. The result is a cuflow ``Dataset`` (see ``cuflow.utils.dataset_utils``) with
``class_names`` and ``file_paths``, not a ``tf.data.Dataset``.
"""

from __future__ import annotations

import os

import numpy as np

from .dataset_utils import SampleDataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
_TF_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                      "gaussian", "mitchellcubic")


# ---- indexing (keras.src.utils.dataset_utils) --------------------------------------------------
def _iter_valid_files(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda w: w[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """``(file_paths, labels, class_names)`` as Keras's ``index_directory``."""
    if not os.path.isdir(directory):
        raise ValueError(f"directory {directory!r} does not exist or is not a folder")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: {subdirs} "
                                 f"(or a subset of it), but received: class_names={class_names}")
            subdirs = list(class_names)  # keep the given order
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot "
                                 "be specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot "
                             "be specified (the `class_names` will be the sorted list of "
                             "labels).")
    class_indices = {name: i for i, name in enumerate(subdirs)}
    filenames, found_labels = [], []
    for subdir in subdirs:
        folder = os.path.join(directory, subdir)
        for root, fname in _iter_valid_files(folder, follow_links, formats):
            filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, fname),
                                                                  folder)))
            found_labels.append(class_indices[subdir])
    if labels == "inferred":
        labels = np.asarray(found_labels, dtype="int32")
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we found "
                             f"{len(filenames)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a "
                         "`seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def _split(samples, labels, validation_split, subset, verbose):
    """Keras's get_training_or_validation_split: the last fraction is the validation set."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    cut = len(samples) - num_val
    if subset == "training":
        if verbose:
            print(f"Using {cut} files for training.")
        return samples[:cut], None if labels is None else labels[:cut]
    if verbose:
        print(f"Using {num_val} files for validation.")
    return samples[cut:], None if labels is None else labels[cut:]


def _encode_labels(labels, label_mode, num_classes):
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        out = np.zeros((len(labels), num_classes), dtype="float32")
        out[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
        return out
    return labels.astype("int32")


def _check_labels_args(labels, label_mode, class_names, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of "
                             f"the same size as the number of {what} files in the target "
                             f"directory. If you wish to infer the labels from the subdirectory "
                             f'names in the target directory, pass `labels="inferred"`. If you '
                             f"wish to get a dataset that only contains {what}s (no labels), "
                             f"pass `labels=None`.")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")


class _FileDataset(SampleDataset):
    def __init__(self, paths, labels, label_mode, class_names, batch_size, shuffle, seed):
        self.file_paths = list(paths)
        self.class_names = class_names
        self._labels = None if labels is None else \
            _encode_labels(np.asarray(labels), label_mode, len(class_names or ()))
        super().__init__(len(self.file_paths), batch_size, shuffle, seed)

    def _read(self, path):
        raise NotImplementedError

    def _load(self, indices):
        x = self._stack([self._read(self.file_paths[int(i)]) for i in indices])
        return x if self._labels is None else (x, self._labels[indices])

    def _stack(self, items):
        return np.stack(items) if items else np.zeros((0,), dtype="float32")


# ---- images ------------------------------------------------------------------------------------
def _resize_axis_weights(in_size, out_size, method):
    scale = in_size / out_size
    centres = (np.arange(out_size, dtype=np.float64) + 0.5) * scale
    if method == "nearest":  # TF2 half-pixel nearest neighbour
        return np.minimum(np.floor(centres).astype(np.int64), in_size - 1), None, None
    x = centres - 0.5  # TF2 half-pixel bilinear, no antialiasing
    lo_f = np.floor(x)
    lo = np.maximum(lo_f, 0).astype(np.int64)
    hi = np.minimum(np.ceil(x), in_size - 1).astype(np.int64)
    return lo, hi, (x - lo_f).astype(np.float32)


def resize_image(img, size, interpolation="bilinear"):
    """An (H, W, C) float32 image resized to ``size = (height, width)``.

    "nearest" and "bilinear" follow ``tf.image.resize`` (half-pixel centres, no antialiasing).
    The other Keras methods go through Pillow per channel and approximate TF: "area" -> box,
    "bicubic" / "gaussian" / "mitchellcubic" -> bicubic, "lanczos3" / "lanczos5" -> Lanczos.
    """
    height, width = (int(s) for s in size)
    img = np.asarray(img, dtype=np.float32)
    if img.shape[:2] == (height, width):
        return img
    if interpolation in ("nearest", "bilinear"):
        rlo, rhi, rf = _resize_axis_weights(img.shape[0], height, interpolation)
        clo, chi, cf = _resize_axis_weights(img.shape[1], width, interpolation)
        if interpolation == "nearest":
            return img[rlo][:, clo]
        top, bottom = img[rlo], img[rhi]
        rows = top + (bottom - top) * rf[:, None, None]
        left, right = rows[:, clo], rows[:, chi]
        return left + (right - left) * cf[None, :, None]
    from ._pil import pil_image

    Image = pil_image()
    resample = {"area": Image.Resampling.BOX, "lanczos3": Image.Resampling.LANCZOS,
                "lanczos5": Image.Resampling.LANCZOS}.get(interpolation,
                                                          Image.Resampling.BICUBIC)
    chans = [np.asarray(Image.fromarray(np.ascontiguousarray(img[:, :, c]), "F")
                        .resize((width, height), resample), dtype=np.float32)
             for c in range(img.shape[2])]
    return np.stack(chans, axis=-1)


def _smart_crop(img, size):
    height, width = img.shape[:2]
    th, tw = size
    crop_h = min(height, int(np.float32(width * th) / tw))
    crop_w = min(width, int(np.float32(height * tw) / th))
    top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
    return img[top:top + crop_h, left:left + crop_w]


def _pad_to_ratio(img, size):
    height, width = img.shape[:2]
    th, tw = size
    pad_h = max(height, int(np.float32(width * th) / tw))
    pad_w = max(width, int(np.float32(height * tw) / th))
    top, left = (pad_h - height) // 2, (pad_w - width) // 2
    out = np.zeros((pad_h, pad_w, img.shape[2]), dtype=img.dtype)
    out[top:top + height, left:left + width] = img
    return out


class ImageFolderDataset(_FileDataset):
    def __init__(self, paths, labels, label_mode, class_names, batch_size, shuffle, seed,
                 image_size, color_mode, interpolation, crop_to_aspect_ratio,
                 pad_to_aspect_ratio, data_format):
        self.image_size = image_size
        self._color_mode = color_mode
        self._interpolation = interpolation
        self._crop = crop_to_aspect_ratio
        self._pad = pad_to_aspect_ratio
        self._data_format = data_format
        super().__init__(paths, labels, label_mode, class_names, batch_size, shuffle, seed)

    def _read(self, path):
        from ._pil import load_img

        img = np.asarray(load_img(path, color_mode=self._color_mode), dtype=np.float32)
        if img.ndim == 2:
            img = img[:, :, None]
        if self._crop:
            img = _smart_crop(img, self.image_size)
        elif self._pad:
            img = _pad_to_ratio(img, self.image_size)
        img = resize_image(img, self.image_size, self._interpolation)
        if self._data_format == "channels_first":
            img = np.ascontiguousarray(img.transpose(2, 0, 1))
        return img


def _check_directory_args(labels, label_mode, class_names, what):
    _check_labels_args(labels, label_mode, class_names, what)
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _build(make, directory, labels, label_mode, class_names, formats, batch_size, shuffle, seed,
           validation_split, subset, follow_links, verbose, what):
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats, class_names,
                                                 shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for sub in subsets:
        sub_paths, sub_labels = _split(paths, labels, validation_split, sub, verbose)
        if not sub_paths:
            kind = {"training": "training ", "validation": "validation "}.get(sub, "")
            raise ValueError(f"No {kind}{what}s found in directory {directory}. Allowed "
                             f"formats: {formats}")
        out.append(make(sub_paths, sub_labels, class_names, shuffle, seed))
    return out if subset == "both" else out[0]


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """Images from class sub-folders as a dataset of ``(images, labels)`` batches, as
    ``keras.utils.image_dataset_from_directory``.

    Images are float32 ``(batch, height, width, channels)`` in [0, 255] (channels 3 / 4 / 1 for
    ``color_mode`` "rgb" / "rgba" / "grayscale"); labels per ``label_mode``: "int" (int32),
    "categorical" (float32 one-hot), "binary" (float32 of shape (batch, 1)), None (images only).
    ``subset="both"`` returns ``[training, validation]``. Needs Pillow (``cuflow[image]``).
    Returns a cuflow ``Dataset`` with ``class_names`` and ``file_paths`` (not tf.data).
    Deviation: only "nearest" and "bilinear" resize exactly as TF (see ``resize_image``); GIFs
    give their first frame; grayscale from colour uses Pillow's ITU-R 601-2 luma weights.
    """
    from ._pil import pil_image

    pil_image()  # a clear ImportError naming the extra before any work
    labels, label_mode = _check_directory_args(labels, label_mode, class_names, "image")
    if color_mode not in ("rgb", "rgba", "grayscale"):
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. '
                         f"Received: color_mode={color_mode}")
    interpolation = str(interpolation).lower()
    if interpolation not in _TF_INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_TF_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                         "set to `True`.")
    image_size = tuple(int(s) for s in image_size)
    if len(image_size) != 2 or min(image_size) <= 0:
        raise ValueError(f"`image_size` must be (height, width) of positive ints; received "
                         f"{image_size}")
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received "
                         f"{data_format!r}")

    def make(paths, labels_, names, shuffle_, seed_):
        return ImageFolderDataset(paths, labels_, label_mode, names, batch_size, shuffle_, seed_,
                                  image_size, color_mode, interpolation, crop_to_aspect_ratio,
                                  pad_to_aspect_ratio, data_format)

    return _build(make, directory, labels, label_mode, class_names, IMAGE_FORMATS, batch_size,
                  shuffle, seed, validation_split, subset, follow_links, verbose, "image")


# ---- text --------------------------------------------------------------------------------------
class TextFolderDataset(_FileDataset):
    def __init__(self, paths, labels, label_mode, class_names, batch_size, shuffle, seed,
                 max_length):
        self._max_length = max_length
        super().__init__(paths, labels, label_mode, class_names, batch_size, shuffle, seed)

    def _read(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        if self._max_length is not None:  # TF truncates bytes; a cut character is dropped
            raw = raw[:self._max_length]
        return raw.decode("utf-8", errors="ignore" if self._max_length is not None
                          else "replace")

    def _stack(self, items):
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.astype(str) if items else np.zeros((0,), dtype=str)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                verbose=True):
    """``.txt`` files from class sub-folders as a dataset of ``(texts, labels)`` batches, as
    ``keras.utils.text_dataset_from_directory``.

    Texts are NumPy ``str`` arrays of shape ``(batch,)`` (TF gives byte strings); files are
    decoded as UTF-8, ``max_length`` keeps the first ``max_length`` bytes as TF does. Labels and
    splits as ``image_dataset_from_directory``.
    """
    labels, label_mode = _check_directory_args(labels, label_mode, class_names, "text")
    if max_length is not None and (isinstance(max_length, bool) or int(max_length) != max_length
                                   or max_length < 0):
        raise ValueError(f"`max_length` must be a non-negative int or None; received "
                         f"{max_length!r}")

    def make(paths, labels_, names, shuffle_, seed_):
        return TextFolderDataset(paths, labels_, label_mode, names, batch_size, shuffle_, seed_,
                                 max_length)

    return _build(make, directory, labels, label_mode, class_names, TEXT_FORMATS, batch_size,
                  shuffle, seed, validation_split, subset, follow_links, verbose, "text file")
