"""``Flatten``: each sample to one axis."""

from __future__ import annotations

import math

from ... import ops
from ...ops._im2col import check_format
from ..layer import Layer


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_format("Flatten", data_format)

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
