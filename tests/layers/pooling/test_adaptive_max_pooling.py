"""AdaptiveMaxPooling1D/2D/3D: output_size forms and errors (Keras's), shapes in both data
formats, values against cuflow.ops.adaptive_max_pool and loops, configs, gradients."""

from __future__ import annotations

import numpy as np

from cuflow import layers as P
from cuflow import ops

from ._adaptive_checks import AdaptivePoolingChecks


class TestAdaptiveMaxPooling(AdaptivePoolingChecks):
    CLASSES = {1: P.AdaptiveMaxPooling1D, 2: P.AdaptiveMaxPooling2D,
               3: P.AdaptiveMaxPooling3D}
    MODULE = "cuflow.layers.pooling.adaptive_max_pooling"
    NAME = "AdaptiveMaxPooling"
    op = staticmethod(ops.adaptive_max_pool)
    reduce = staticmethod(np.max)
