"""``RandomBrightness`` (Keras 3 arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

from .... import ops
from ....tensor import Tensor
from ._base import RandomImageLayer, is_number


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
            if len(factor) != 2 or not all(is_number(f) for f in factor):
                raise ValueError(f"{self._FACTOR_ERROR}Received: factor={factor!r}")
            for f in factor:
                self._check_factor(f)
            self._factor = sorted(float(f) for f in factor)
        elif is_number(factor):
            self._check_factor(factor)
            self._factor = [-abs(float(factor)), abs(float(factor))]
        else:
            raise ValueError(f"{self._FACTOR_ERROR}Received: factor={factor!r}")
        if not isinstance(value_range, (list, tuple)) or len(value_range) != 2 or \
                not all(is_number(v) for v in value_range):
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
