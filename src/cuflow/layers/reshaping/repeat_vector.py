"""``RepeatVector``: repeat a (batch, features) input n times along a new axis."""

from __future__ import annotations

import numpy as np

from ... import ops
from .._checks import incompatible
from ..layer import Layer


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"RepeatVector: Argument `n` should be a positive integer. "
                             f"Received: n={n}")
        self.n = int(n)

    def call(self, inputs):
        if inputs.ndim != 2:
            raise incompatible(self, "a rank-2 input (batch, features)", inputs.shape)
        return ops.tile(ops.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
