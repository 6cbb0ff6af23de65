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
    """A dropout ``rate`` in [0, 1]; Keras's message (``owner`` kept for the call sites)."""
    if not isinstance(rate, (int, float, np.floating, np.integer)) or isinstance(rate, bool) \
            or not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                         f"between 0 and 1. Received: rate={rate!r}")
    return float(rate)


def noise_shape(value):
    """Keras's ``noise_shape``: None, or a tuple of positive ints and Nones (a list becomes a
    tuple), with Keras's messages."""
    if value is None:
        return None
    head = "Invalid value received for argument `noise_shape`."
    if isinstance(value, str):
        raise ValueError(f"{head} Expected a tuple or list of integers. Received: "
                         f"noise_shape={value!r}")
    try:
        value = tuple(value)
    except TypeError:
        raise ValueError(f"{head} Expected an iterable of integers (e.g., a tuple or list). "
                         f"Received: noise_shape={value!r}") from None
    for i, dim in enumerate(value):
        if dim is None:
            continue
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise ValueError(f"{head} Expected all elements to be integers or None. Received "
                             f"element at index {i}: {dim!r} (type: {type(dim).__name__})")
        if dim <= 0:
            raise ValueError(f"{head} Expected all dimensions to be positive integers or None. "
                             f"Received negative or zero value at index {i}: {dim}")
    return tuple(None if d is None else int(d) for d in value)
