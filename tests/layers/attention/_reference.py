"""NumPy references the attention tests share."""

from __future__ import annotations

import numpy as np


def np_softmax(x, mask=None):
    if mask is not None:
        x = x + (1.0 - mask) * -1e9
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return p if mask is None else p * mask
