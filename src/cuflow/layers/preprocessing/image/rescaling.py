"""``Rescaling``: ``inputs * scale + offset``."""

from __future__ import annotations

import numpy as np

from ....tensor import Tensor
from ...layer import Layer
from ._base import as_float, number_or_list


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1. / 255)``); integers become float32."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = number_or_list(scale)
        self.offset = number_or_list(offset)

    def call(self, inputs):
        x = as_float(inputs)
        scale = Tensor(np.asarray(self.scale, dtype=x.dtype), device=x.device)
        offset = Tensor(np.asarray(self.offset, dtype=x.dtype), device=x.device)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
