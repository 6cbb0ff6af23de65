"""``Masking``: mask the time steps whose features all equal ``mask_value``."""

from __future__ import annotations

from ... import ops
from ..layer import Layer


class Masking(Layer):
    """Masks time steps whose features all equal ``mask_value`` (and zeroes them), so the RNNs
    downstream skip them."""

    _single_input = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self._build_at_init()

    def _keep(self, inputs):
        # a step is kept when any feature differs from mask_value
        return (inputs != self.mask_value).any(axis=-1)

    def call(self, inputs):
        keep = ops.expand_dims(self._keep(inputs), -1)
        return inputs * ops.cast(keep, inputs.dtype)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
