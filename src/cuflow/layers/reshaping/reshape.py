"""``Reshape``: each sample to a target shape."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from ..layer import Layer


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise TypeError(f"Reshape: target_shape must be a tuple of ints; received "
                            f"target_shape={target_shape!r}") from None
        for d in target_shape:
            if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
                raise TypeError(f"Reshape: target_shape must be a tuple of ints; received "
                                f"target_shape={target_shape!r}")
        self.target_shape = tuple(int(d) for d in target_shape)
        if any(d < -1 for d in self.target_shape):
            raise ValueError(f"Each dimension in `target_shape` must be a non-negative integer, "
                             f"or `-1` for a single unknown dimension. Received: "
                             f"target_shape={self.target_shape}.")
        if self.target_shape.count(-1) > 1:
            raise ValueError(f"There must be at most one unknown dimension (-1) in "
                             f"`target_shape`. Received: target_shape={self.target_shape}.")
        self.built = True  # as Keras's Reshape: nothing to build, whatever its class

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return self.target_shape if -1 not in self.target_shape else \
                tuple(None if s == -1 else s for s in self.target_shape)
        total = int(math.prod(rest))
        known = int(math.prod(s for s in self.target_shape if s != -1))
        if -1 in self.target_shape:
            if known == 0 or total % known:
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
