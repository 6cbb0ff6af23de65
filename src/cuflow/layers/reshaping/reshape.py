"""``Reshape``: each sample to a target shape."""

from __future__ import annotations

import math

from ... import ops
from ..layer import Layer


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(s) for s in target_shape)
        if self.target_shape.count(-1) > 1 or any(s < -1 or s == 0 for s in self.target_shape):
            raise ValueError(f"Reshape: invalid target_shape {target_shape!r}")

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return self.target_shape if -1 not in self.target_shape else \
                tuple(None if s == -1 else s for s in self.target_shape)
        total = int(math.prod(rest))
        known = int(math.prod(s for s in self.target_shape if s != -1))
        if -1 in self.target_shape:
            if total % known:
                raise ValueError(f'layer "{self.name}" (Reshape) cannot reshape input of shape '
                                 f"{tuple(input_shape)} to {self.target_shape}")
            return tuple(total // known if s == -1 else s for s in self.target_shape)
        if known != total:
            raise ValueError(f'layer "{self.name}" (Reshape) cannot reshape input of shape '
                             f"{tuple(input_shape)} ({total} values per sample) to "
                             f"{self.target_shape} ({known} values)")
        return self.target_shape

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
