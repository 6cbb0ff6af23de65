"""``AveragePooling1D``, ``AveragePooling2D``, ``AveragePooling3D`` (and the ``AvgPool*``
aliases)."""

from __future__ import annotations

from ...ops.pooling import avg_pool as _avg_pool
from .base_pooling import _pooling

AveragePooling1D = _pooling("AveragePooling1D", _avg_pool, 1, 2, __name__)
AveragePooling2D = _pooling("AveragePooling2D", _avg_pool, 2, (2, 2), __name__)
AveragePooling3D = _pooling("AveragePooling3D", _avg_pool, 3, (2, 2, 2), __name__)


# Keras aliases
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
