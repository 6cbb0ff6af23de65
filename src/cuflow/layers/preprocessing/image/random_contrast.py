"""``RandomContrast`` (Keras 3 arguments). Each is the identity unless called
with ``training=True`` (``fit`` does; ``predict`` / ``evaluate`` and plain calls do not)."""

from __future__ import annotations

from .... import ops
from ....tensor import Tensor
from ._base import RandomImageLayer


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
