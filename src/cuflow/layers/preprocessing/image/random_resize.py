"""``RandomHeight``, ``RandomWidth``: resize one spatial axis by a random factor (Keras 3
arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

from ._base import RandomImageLayer, check_choice, is_number
from ._sampling import RESIZE_INTERPOLATIONS, resize


class _RandomResize1D(RandomImageLayer):
    """Base of RandomHeight / RandomWidth: resize one spatial axis by 1 + f, f drawn once per
    batch from ``factor`` (a number f: [-f, f]; a pair: [lower, upper]; all > -1)."""

    _axis = "height"

    def __init__(self, factor, interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        owner = type(self).__name__
        self.factor = factor
        if isinstance(factor, (list, tuple)) and len(factor) == 2 and \
                all(is_number(f) for f in factor):
            lower, upper = float(factor[0]), float(factor[1])
        elif is_number(factor):
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
