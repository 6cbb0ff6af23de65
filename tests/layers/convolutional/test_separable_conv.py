"""SeparableConv1D / SeparableConv2D: a depthwise then a pointwise convolution, against the loop
reference; the ``SeparableConvolution*`` aliases."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as C

from ...ops import _conv_reference as ref
from ._helpers import build, with_weights

R = np.random.default_rng(5)


@pytest.mark.parametrize("rank", [1, 2])
def test_separable_is_depthwise_then_pointwise(device, rank):
    cls = C.SeparableConv2D if rank == 2 else C.SeparableConv1D
    shape = (2,) + (5, 6)[:rank] + (2,)
    with cf.device(device):
        layer = build(cls(4, 3, depth_multiplier=2, padding="same", dtype="float64"), shape)
        dw, pw, b = (R.normal(size=w.shape) for w in layer.weights)
        with_weights(layer, dw, pw, b)
        x = R.normal(size=shape)
        y = layer(cf.Tensor(x))
    ones = (1,) * rank
    mid = ref.conv(x, dw.reshape((3,) * rank + (1, 4)), ones, "same", ones, groups=2)
    want = ref.conv(mid, pw, ones, "valid", ones) + b
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)


def test_separable_aliases_and_config():
    assert C.SeparableConvolution1D is C.SeparableConv1D
    assert C.SeparableConvolution2D is C.SeparableConv2D
    config = C.SeparableConv2D(4, 3, depth_multiplier=2).get_config()
    assert config["depth_multiplier"] == 2 and config["filters"] == 4
    with pytest.raises(ValueError, match="SeparableConv2D: Invalid value for argument `filters`"):
        C.SeparableConv2D(0, 3)
