"""Helpers the categorical preprocessing tests share."""

from __future__ import annotations

import numpy as np


def val(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def roundtrip(layer):
    config = layer.get_config()
    return type(layer).from_config(config)
