"""``AdaptiveAveragePooling1D``, ``AdaptiveAveragePooling2D``, ``AdaptiveAveragePooling3D``:
the mean over windows sized so the spatial axes become ``output_size``, whatever the input size."""

from __future__ import annotations

from ...ops.pooling import adaptive_average_pool as _op
from .base_pooling import _adaptive


def _doc(rank):
    return (f"The mean over adaptive windows: a rank-{rank + 2} input's {rank} "
            f"spatial axes become ``output_size`` (an int, or {rank} ints). Window i of an axis "
            f"of length L pooled to O covers [floor(i L / O), ceil((i + 1) L / O)), as Keras 3 "
            f"(and PyTorch).")


AdaptiveAveragePooling1D = _adaptive("AdaptiveAveragePooling1D", _op, 1, __name__, _doc(1))
AdaptiveAveragePooling2D = _adaptive("AdaptiveAveragePooling2D", _op, 2, __name__, _doc(2))
AdaptiveAveragePooling3D = _adaptive("AdaptiveAveragePooling3D", _op, 3, __name__, _doc(3))
