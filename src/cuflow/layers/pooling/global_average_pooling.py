"""``GlobalAveragePooling1D`` (mask-aware), ``GlobalAveragePooling2D``, ``GlobalAveragePooling3D``
(and the ``GlobalAvgPool*`` aliases)."""

from __future__ import annotations

from ... import ops
from .base_pooling import _check_rank, _GlobalPooling


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over time; with a mask (batch, steps) only unmasked steps count, as Keras."""

    rank, _reduce = 1, "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        _check_rank(self, inputs.shape, self.rank)
        axis = self._axes()[0]
        m = ops.cast(mask, inputs.dtype)
        m = ops.expand_dims(m, -1 if self.data_format == "channels_last" else 1)
        total = ops.sum(inputs * m, axis=axis, keepdims=self.keepdims)
        return total / ops.sum(m, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    rank, _reduce = 2, "mean"


class GlobalAveragePooling3D(_GlobalPooling):
    rank, _reduce = 3, "mean"


# Keras aliases
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
