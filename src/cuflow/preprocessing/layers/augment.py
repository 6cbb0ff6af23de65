"""Random augmentation layers (Keras 3 names and arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...tensor import Tensor
from ._base import RandomImageLayer, check_choice, factor_range
from ._sampling import FILL_MODES, WARP_INTERPOLATIONS, about_center, warp

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
