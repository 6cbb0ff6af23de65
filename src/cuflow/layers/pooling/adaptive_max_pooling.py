"""``AdaptiveMaxPooling1D``, ``AdaptiveMaxPooling2D``, ``AdaptiveMaxPooling3D``: the maximum
over windows sized so the spatial axes become ``output_size``, whatever the input size."""

from __future__ import annotations

from ...ops.pooling import adaptive_max_pool as _op
from .base_pooling import _adaptive


def _doc(rank):
    return (f"The maximum over adaptive windows: a rank-{rank + 2} input's {rank} "
            f"spatial axes become ``output_size`` (an int, or {rank} ints). Window i of an axis "
            f"of length L pooled to O covers [floor(i L / O), ceil((i + 1) L / O)), as Keras 3 "
            f"(and PyTorch).")


AdaptiveMaxPooling1D = _adaptive("AdaptiveMaxPooling1D", _op, 1, __name__, _doc(1))
AdaptiveMaxPooling2D = _adaptive("AdaptiveMaxPooling2D", _op, 2, __name__, _doc(2))
AdaptiveMaxPooling3D = _adaptive("AdaptiveMaxPooling3D", _op, 3, __name__, _doc(3))
