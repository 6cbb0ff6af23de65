"""AdaptiveAveragePooling1D/2D/3D: output_size forms and errors (Keras's), shapes in both data
formats, values against cuflow.ops.adaptive_average_pool and loops, configs, gradients."""

from __future__ import annotations

import numpy as np

from cuflow import layers as P
from cuflow import ops

from ._adaptive_checks import AdaptivePoolingChecks


class TestAdaptiveAveragePooling(AdaptivePoolingChecks):
    CLASSES = {1: P.AdaptiveAveragePooling1D, 2: P.AdaptiveAveragePooling2D,
               3: P.AdaptiveAveragePooling3D}
    MODULE = "cuflow.layers.pooling.adaptive_average_pooling"
    NAME = "AdaptiveAveragePooling"
    op = staticmethod(ops.adaptive_average_pool)
    reduce = staticmethod(np.mean)
