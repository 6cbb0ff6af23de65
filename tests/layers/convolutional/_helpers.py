"""Helpers the convolution layer tests share."""

from __future__ import annotations

import numpy as np

import cuflow as cf


def build(layer, shape):
    layer(cf.Tensor(np.zeros(shape, dtype=layer.dtype)))
    return layer


def with_weights(layer, *arrays):
    for var, a in zip(layer.weights, arrays):
        var.assign(a)
    return layer
