"""``cuflow.preprocessing.image``: Keras's ``ImageDataGenerator`` and image file helpers.

Augmentation runs on the host with NumPy (it feeds ``fit`` batch by batch, like Keras); the
device-side equivalents are the preprocessing layers (``cuflow.layers.RandomFlip`` ...).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..utils._pil import array_to_img, img_to_array, load_img, save_img
from ._affine import (
    affine_matrix,
    apply_affine_transform,
    check_fill_mode,
    offset_center,
    warp,
)
from ._iterators import DirectoryIterator, Iterator, NumpyArrayIterator

__all__ = ["DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
           "apply_affine_transform", "array_to_img", "img_to_array", "load_img", "save_img"]


def _range(owner, name, value):
    """A shift range as Keras reads it: float (fraction or pixels), int, or a list of choices."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.asarray(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return value
    raise ValueError(f"{owner}: {name} must be a float, an int or a list; received {value!r}")


def _draw_shift(rng, value, size):
    if isinstance(value, np.ndarray):
        shift = float(rng.choice(value))
    elif isinstance(value, (int, np.integer)):
        # an int n picks whole pixels from (-n, n), as Keras's np.random.choice(n) * ±1
        shift = float(rng.integers(value) * rng.choice([-1, 1])) if value else 0.0
    else:
        shift = float(rng.uniform(-value, value)) if value else 0.0
    if np.max(np.abs(value)) < 1:
        shift *= size  # fractions of the image size
    return shift


class ImageDataGenerator:
    """Real-time image augmentation, as ``tf.keras.preprocessing.image.ImageDataGenerator``.

    Order per image: random affine warp (rotation, shift, shear, zoom about the centre), channel
    shift, flips, brightness; then ``standardize``: preprocessing_function, rescale, samplewise
    then featurewise normalisation, ZCA.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
                 channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1, dtype=None):
        owner = "ImageDataGenerator"
        self.featurewise_center = bool(featurewise_center)
        self.samplewise_center = bool(samplewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.zca_whitening = bool(zca_whitening)
        self.zca_epsilon = float(zca_epsilon)
        self.rotation_range = float(rotation_range)
        self.width_shift_range = _range(owner, "width_shift_range", width_shift_range)
        self.height_shift_range = _range(owner, "height_shift_range", height_shift_range)
        self.shear_range = float(shear_range)
        self.channel_shift_range = float(channel_shift_range)
        self.fill_mode = check_fill_mode(owner, fill_mode)
        self.cval = float(cval)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = str(np.dtype(dtype or "float32"))
        self.interpolation_order = int(interpolation_order)
        if self.interpolation_order not in (0, 1):
            raise ValueError(f"{owner}: interpolation_order must be 0 (nearest) or 1 "
                             f"(bilinear); received {interpolation_order!r}")
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{owner}: data_format must be 'channels_last' or "
                             f"'channels_first'; received {data_format!r}")
        self.data_format = data_format
        # axes of one image (the batch axis is not counted)
        self.channel_axis, self.row_axis, self.col_axis = \
            (2, 0, 1) if data_format == "channels_last" else (0, 1, 2)
        if not 0.0 <= float(validation_split) < 1.0:
            raise ValueError(f"{owner}: validation_split must be in [0, 1); received "
                             f"{validation_split!r}")
        self._validation_split = float(validation_split)
        if isinstance(zoom_range, (int, float, np.integer, np.floating)):
            self.zoom_range = [1 - float(zoom_range), 1 + float(zoom_range)]
        elif len(zoom_range) == 2 and all(isinstance(z, (int, float)) for z in zoom_range):
            self.zoom_range = [float(zoom_range[0]), float(zoom_range[1])]
        else:
            raise ValueError(f"{owner}: zoom_range must be a float or a pair [lower, upper]; "
                             f"received {zoom_range!r}")
        if brightness_range is not None and (len(brightness_range) != 2):
            raise ValueError(f"{owner}: brightness_range must be None or a pair [lower, upper]; "
                             f"received {brightness_range!r}")
        self.brightness_range = brightness_range
        self.mean = self.std = self.principal_components = None
        # as Keras: normalising by the std implies centring first
        if self.zca_whitening and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("zca_whitening overrides featurewise_center=False", stacklevel=2)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("featurewise_std_normalization overrides featurewise_center=False",
                          stacklevel=2)
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("samplewise_std_normalization overrides samplewise_center=False",
                          stacklevel=2)

    # ---- batches ---------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Augmented batches ``(x, y)`` (just ``x`` without ``y``) from arrays."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  subset=subset, ignore_class_split=ignore_class_split,
                                  dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest",
                            keep_aspect_ratio=False):
        """Augmented batches from ``directory/<class name>/<image files>`` (needs Pillow)."""
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes, class_mode=class_mode,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 data_format=self.data_format, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation,
                                 keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    # ---- normalisation ---------------------------------------------------------------------
    def standardize(self, x):
        """Normalise one image (or a batch) in place of a copy; call ``fit`` first for the
        featurewise options."""
        x = np.array(x, dtype=self.dtype)
        if self.preprocessing_function:
            x = np.asarray(self.preprocessing_function(x), dtype=self.dtype)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                warnings.warn("this ImageDataGenerator specifies featurewise_center, but it has "
                              "not been fit on any training data; call .fit(x) first",
                              stacklevel=2)
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                warnings.warn("this ImageDataGenerator specifies featurewise_std_normalization, "
                              "but it has not been fit on any training data; call .fit(x) first",
                              stacklevel=2)
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.principal_components is None:
                warnings.warn("this ImageDataGenerator specifies zca_whitening, but it has not "
                              "been fit on any training data; call .fit(x) first", stacklevel=2)
            else:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = (flat @ self.principal_components).reshape(x.shape).astype(self.dtype)
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Featurewise statistics (mean, std, ZCA) of the rank-4 sample batch ``x``."""
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit expects a rank-4 batch of images; received "
                             f"shape {x.shape}")
        if self.rescale:
            x *= self.rescale  # statistics live in the same space standardize applies them in
        if augment:
            rng = np.random.default_rng(seed)
            x = np.concatenate([np.stack([self.random_transform(img, rng) for img in x])
                                for _ in range(int(rounds))])
        axes = (0, self.row_axis + 1, self.col_axis + 1)
        shape = [1, 1, 1]
        shape[self.channel_axis] = x.shape[self.channel_axis + 1]
        if self.featurewise_center:
            self.mean = np.mean(x, axis=axes).reshape(shape).astype(self.dtype)
            x = x - self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=axes).reshape(shape).astype(self.dtype)
            x = x / (self.std + 1e-6)
        if self.zca_whitening:
            flat = x.reshape(len(x), -1).astype(np.float64)
            sigma = flat.T @ flat / len(flat)
            u, s, _ = np.linalg.svd(sigma)
            self.principal_components = ((u / np.sqrt(s + self.zca_epsilon)) @ u.T).astype(
                self.dtype)

    # ---- random transforms -----------------------------------------------------------------
    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image of shape ``img_shape``; ``seed`` may be an int or a
        ``np.random.Generator``."""
        rng = np.random.default_rng(seed)
        h, w = img_shape[self.row_axis], img_shape[self.col_axis]
        theta = float(rng.uniform(-self.rotation_range, self.rotation_range)) \
            if self.rotation_range else 0.0
        # Keras's naming: tx moves rows (height), ty moves columns (width)
        tx = _draw_shift(rng, self.height_shift_range, h)
        ty = _draw_shift(rng, self.width_shift_range, w)
        shear = float(rng.uniform(-self.shear_range, self.shear_range)) \
            if self.shear_range else 0.0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = 1.0
        else:
            zx, zy = (float(z) for z in rng.uniform(self.zoom_range[0], self.zoom_range[1], 2))
        flip_h = bool(self.horizontal_flip and rng.random() < 0.5)
        flip_v = bool(self.vertical_flip and rng.random() < 0.5)
        channel_shift = float(rng.uniform(-self.channel_shift_range, self.channel_shift_range)) \
            if self.channel_shift_range else None
        brightness = float(rng.uniform(*self.brightness_range)) \
            if self.brightness_range is not None else None
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_h, "flip_vertical": flip_v,
                "channel_shift_intensity": channel_shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Apply parameters from ``get_random_transform`` to one image."""
        p = transform_parameters
        x = np.asarray(x)
        axes = (self.row_axis, self.col_axis, self.channel_axis)
        hwc = np.transpose(x, axes)
        m = affine_matrix(p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                          p.get("zx", 1), p.get("zy", 1))
        if not np.allclose(m, np.eye(3)):
            hwc = warp(hwc, offset_center(m, hwc.shape[0], hwc.shape[1]), self.fill_mode,
                       self.cval, self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            lo, hi = np.min(hwc), np.max(hwc)
            hwc = np.clip(hwc + p["channel_shift_intensity"], lo, hi)
        if p.get("flip_horizontal"):
            hwc = hwc[:, ::-1]
        if p.get("flip_vertical"):
            hwc = hwc[::-1]
        if p.get("brightness") is not None:
            # PIL's ImageEnhance.Brightness on 8-bit images, without the round trip through PIL
            hwc = np.clip(hwc * p["brightness"], 0, 255)
        return np.ascontiguousarray(np.transpose(hwc, np.argsort(axes)))

    def random_transform(self, x, seed=None):
        """One randomly augmented copy of the image ``x``."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))
