"""``Flatten``: each sample to one axis."""

from __future__ import annotations

import math

from ... import ops
from ..layer import Layer


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten: data_format must be 'channels_last' or 'channels_first'; "
                             f"received {data_format!r}")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            perm = (0,) + tuple(range(2, inputs.ndim)) + (1,)
            inputs = ops.transpose(inputs, perm)
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], n)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
