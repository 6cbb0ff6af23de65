"""Argument and input checks several layer families share, each with its exact message."""

from __future__ import annotations

import numpy as np


def incompatible(layer, expected, shape):
    return ValueError(f'Input 0 of layer "{layer.name}" ({type(layer).__name__}) is incompatible '
                      f"with the layer: expected {expected}, received input with shape "
                      f"{tuple(shape)}")


def positive_int(owner, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer; received {value!r}")
    return int(value)


def number(owner, name, value, minimum=None):
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"{owner}: {name} must be a number; received {value!r}")
    if value is not None and minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}; received {value!r}")
    return None if value is None else float(value)


def dropout_rate(owner, rate):
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ValueError(f"{owner}: rate must be a number in [0, 1]; received {rate!r}")
    return float(rate)
