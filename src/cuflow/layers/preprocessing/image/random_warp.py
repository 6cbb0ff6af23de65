"""``RandomRotation``, ``RandomTranslation``, ``RandomZoom``: the random affine warps (Keras 3
arguments), each an inverse map about the image centre. Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

import numpy as np

from ._base import RandomImageLayer, check_choice, factor_range
from ._sampling import FILL_MODES, WARP_INTERPOLATIONS, about_center, warp


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
