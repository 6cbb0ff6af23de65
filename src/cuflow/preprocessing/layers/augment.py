"""Random augmentation layers (Keras 3 names and arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...tensor import Tensor
from ._base import RandomImageLayer, check_choice, factor_range, positive_int
from ._sampling import (
    FILL_MODES,
    RESIZE_INTERPOLATIONS,
    WARP_INTERPOLATIONS,
    about_center,
    resize,
    warp,
)
from .geometry import crop_box

_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(RandomImageLayer):
    """Flip each image left-right and/or up-down, each with probability 1/2."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.mode = check_choice("RandomFlip", "mode", mode, _FLIP_MODES)

    def _maybe_flip(self, x, axis):
        index = [slice(None)] * 4
        index[axis] = slice(None, None, -1)
        flip = self.rng.random(x.shape[0]) < 0.5
        mask = Tensor(flip.reshape(-1, 1, 1, 1), device=x.device)
        return ops.where(mask, x[tuple(index)], x)

    def augment(self, x):
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = self._maybe_flip(x, 2)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = self._maybe_flip(x, 1)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _RandomWarp(RandomImageLayer):
    """Base of the affine augmentations: subclasses give per-image inverse maps about the
    image centre, in (row, col, 1) coordinates."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        owner = type(self).__name__
        self.fill_mode = check_choice(owner, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = check_choice(owner, "interpolation", interpolation,
                                          WARP_INTERPOLATIONS)
        self.fill_value = float(fill_value)

    def augment(self, x):
        b, h, w, _ = x.shape
        m = about_center(self.matrices(b, h, w), h, w)
        return warp(x, m, self.interpolation, self.fill_mode, self.fill_value)

    def matrices(self, b, h, w):
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomRotation(_RandomWarp):
    """Rotate by ``factor`` × 360° drawn per image (positive: counter-clockwise)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, value_range=(0, 255), **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._range = factor_range("RandomRotation", "factor", factor)
        self.value_range = tuple(value_range)

    def matrices(self, b, h, w):
        theta = self.rng.uniform(*self._range, size=b) * 2 * np.pi
        cos, sin = np.cos(theta), np.sin(theta)
        m = np.zeros((b, 3, 3))
        # output (r, c) reads input (r cos + c sin, -r sin + c cos): content turns CCW on screen
        m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = cos, sin, -sin, cos
        m[:, 2, 2] = 1
        return m

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": list(self.value_range)}


class RandomTranslation(_RandomWarp):
    """Shift by fractions of the height / width drawn per image (positive: down / right)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = factor_range("RandomTranslation", "height_factor", height_factor, -1.0)
        self._w = factor_range("RandomTranslation", "width_factor", width_factor, -1.0)
        if max(abs(v) for v in self._h + self._w) > 1:
            raise ValueError(f"RandomTranslation: factors must lie in [-1, 1]; received "
                             f"height_factor={height_factor!r}, width_factor={width_factor!r}")

    def matrices(self, b, h, w):
        dy = self.rng.uniform(*self._h, size=b) * h
        dx = self.rng.uniform(*self._w, size=b) * w
        m = np.tile(np.eye(3), (b, 1, 1))
        m[:, 0, 2], m[:, 1, 2] = -dy, -dx
        return m

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomZoom(_RandomWarp):
    """Zoom by 1 + factor drawn per image (positive: zoom out); ``width_factor=None`` keeps
    the aspect ratio by reusing the height zoom."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = factor_range("RandomZoom", "height_factor", height_factor, -1.0)
        self._w = None if width_factor is None else \
            factor_range("RandomZoom", "width_factor", width_factor, -1.0)

    def matrices(self, b, h, w):
        zy = 1.0 + self.rng.uniform(*self._h, size=b)
        zx = zy if self._w is None else 1.0 + self.rng.uniform(*self._w, size=b)
        m = np.zeros((b, 3, 3))
        m[:, 0, 0], m[:, 1, 1], m[:, 2, 2] = zy, zx, 1
        return m

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}


class RandomContrast(RandomImageLayer):
    """``(x - mean) * f + mean`` per image and channel, f drawn from [1 - lower, 1 + upper],
    clipped to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            lower = upper = float(factor)
        elif isinstance(factor, (list, tuple)) and len(factor) == 2:
            lower, upper = float(factor[0]), float(factor[1])
        else:
            raise ValueError(f"RandomContrast: factor must be a number or a pair; received "
                             f"{factor!r}")
        if not (0 <= lower <= 1 and upper >= 0):
            raise ValueError(f"RandomContrast: factor must give 0 <= lower <= 1 and upper >= 0; "
                             f"received {factor!r}")
        self._range = (1.0 - lower, 1.0 + upper)
        self.value_range = tuple(float(v) for v in value_range)

    def augment(self, x):
        f = self.rng.uniform(*self._range, size=x.shape[0]).reshape(-1, 1, 1, 1)
        f = Tensor(f.astype(x.dtype), device=x.device)
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        return ops.clip((x - mean) * f + mean, *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": list(self.value_range)}


class RandomCrop(RandomImageLayer):
    """Crop a random (height, width) window while training, at one location for the whole batch.

    At inference, and while training on images smaller than the target, the largest centred
    window with the target aspect ratio is cropped and resized to (height, width) (Keras's
    ``smart_resize``), so the output size never depends on ``training``.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = positive_int("RandomCrop", "height", height)
        self.width = positive_int("RandomCrop", "width", width)

    def _smart_resize(self, x):
        h, w = x.shape[1:3]
        if (h, w) == (self.height, self.width):
            return x
        top, left, crop_h, crop_w = crop_box(h, w, self.height, self.width)
        x = x[:, top:top + crop_h, left:left + crop_w, :]
        return resize(x, self.height, self.width, "bilinear")

    def call(self, inputs, training=None):
        x, unbatched = self._to_bhwc(inputs)
        h, w = x.shape[1:3]
        if training and h >= self.height and w >= self.width:
            top = int(self.rng.integers(0, h - self.height + 1))
            left = int(self.rng.integers(0, w - self.width + 1))
            x = x[:, top:top + self.height, left:left + self.width, :]
        else:
            x = self._smart_resize(x)
        return self._from_bhwc(x, unbatched)

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomBrightness(RandomImageLayer):
    """Add ``delta * (value_range[1] - value_range[0])`` per image, ``delta`` drawn from
    ``factor`` (a number f: [-f, f]; a pair: [lower, upper]; all within [-1, 1]), then clip
    to ``value_range``."""

    _FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in "
                     "the range [-1.0, 1.0]. ")
    _VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        if isinstance(factor, (list, tuple)):
            if len(factor) != 2 or not all(_is_number(f) for f in factor):
                raise ValueError(f"{self._FACTOR_ERROR}Received: factor={factor!r}")
            for f in factor:
                self._check_factor(f)
            self._factor = sorted(float(f) for f in factor)
        elif _is_number(factor):
            self._check_factor(factor)
            self._factor = [-abs(float(factor)), abs(float(factor))]
        else:
            raise ValueError(f"{self._FACTOR_ERROR}Received: factor={factor!r}")
        if not isinstance(value_range, (list, tuple)) or len(value_range) != 2 or \
                not all(_is_number(v) for v in value_range):
            raise ValueError(f"{self._VALUE_RANGE_ERROR}Received: value_range={value_range!r}")
        self.value_range = sorted(float(v) for v in value_range)

    def _check_factor(self, value):
        if value > 1.0 or value < -1.0:
            raise ValueError(f"{self._FACTOR_ERROR}Received: input_number={value!r}")

    def augment(self, x):
        lo, hi = self.value_range
        delta = self.rng.uniform(*self._factor, size=x.shape[0]).reshape(-1, 1, 1, 1) * (hi - lo)
        delta = Tensor(delta.astype(x.dtype), device=x.device)
        return ops.clip(x + delta, lo, hi)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": list(self.value_range)}


def _is_number(v):
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


class _RandomResize1D(RandomImageLayer):
    """Base of RandomHeight / RandomWidth: resize one spatial axis by 1 + f, f drawn once per
    batch from ``factor`` (a number f: [-f, f]; a pair: [lower, upper]; all > -1)."""

    _axis = "height"

    def __init__(self, factor, interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        owner = type(self).__name__
        self.factor = factor
        if isinstance(factor, (list, tuple)) and len(factor) == 2 and \
                all(_is_number(f) for f in factor):
            lower, upper = float(factor[0]), float(factor[1])
        elif _is_number(factor):
            lower, upper = -float(factor), float(factor)
        else:
            raise ValueError(f"{owner}: `factor` must be a number or a pair of numbers; "
                             f"received factor={factor!r}")
        if upper < lower:
            raise ValueError(f"`factor` argument cannot have an upper bound lesser than the "
                             f"lower bound. Received: factor={factor!r}")
        if lower < -1.0 or upper < -1.0:
            raise ValueError(f"`factor` argument must have values larger than -1. Received: "
                             f"factor={factor!r}")
        self._lower, self._upper = lower, upper
        self.interpolation = check_choice(owner, "interpolation", interpolation,
                                          RESIZE_INTERPOLATIONS)

    def augment(self, x):
        h, w = x.shape[1:3]
        f = 1.0 + self.rng.uniform(self._lower, self._upper)
        if self._axis == "height":
            h = max(int(f * h), 1)
        else:
            w = max(int(f * w), 1)
        return resize(x, h, w, self.interpolation)

    def compute_output_shape(self, input_shape):
        h, w = self._spatial(input_shape)
        if self._axis == "height":
            return self._with_spatial(input_shape, None, w)
        return self._with_spatial(input_shape, h, None)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "interpolation": self.interpolation}


class RandomHeight(_RandomResize1D):
    """Randomly vary the height of a batch of images by 1 + f while training."""

    _axis = "height"


class RandomWidth(_RandomResize1D):
    """Randomly vary the width of a batch of images by 1 + f while training."""

    _axis = "width"
