"""``RandomFlip`` (Keras 3 arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

from .... import ops
from ....tensor import Tensor
from ._base import RandomImageLayer, check_choice

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
