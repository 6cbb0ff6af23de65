"""``MaxPooling1D``, ``MaxPooling2D``, ``MaxPooling3D`` (and the ``MaxPool*`` aliases)."""

from __future__ import annotations

from ...ops.pooling import max_pool as _max_pool
from .base_pooling import _pooling

MaxPooling1D = _pooling("MaxPooling1D", _max_pool, 1, 2, __name__)
MaxPooling2D = _pooling("MaxPooling2D", _max_pool, 2, (2, 2), __name__)
MaxPooling3D = _pooling("MaxPooling3D", _max_pool, 3, (2, 2, 2), __name__)


# Keras aliases
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
