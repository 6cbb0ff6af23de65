"""DepthwiseConv1D / DepthwiseConv2D: one filter set per input channel, against the grouped
loop reference; defaults."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as C

from ...ops import _conv_reference as ref
from ._helpers import build, with_weights

R = np.random.default_rng(5)


@pytest.mark.parametrize("rank,multiplier,strides,padding", [(2, 2, 1, "same"),
                                                            (2, 1, 2, "valid"),
                                                            (1, 3, 1, "valid")])
def test_depthwise_matches_grouped_reference(device, rank, multiplier, strides, padding):
    cls = C.DepthwiseConv2D if rank == 2 else C.DepthwiseConv1D
    shape = (2,) + (5, 4)[:rank] + (3,)
    with cf.device(device):
        layer = build(cls(3, strides=strides, padding=padding, depth_multiplier=multiplier,
                          dtype="float64"), shape)
        k, b = R.normal(size=layer.kernel.shape), R.normal(size=3 * multiplier)
        with_weights(layer, k, b)
        x = R.normal(size=shape)
        y = layer(cf.Tensor(x))
    grouped = k.reshape((3,) * rank + (1, 3 * multiplier))  # channel c feeds outputs c*m..c*m+m
    want = ref.conv(x, grouped, (strides,) * rank, padding, (1,) * rank, groups=3) + b
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)


def test_depthwise_defaults_and_errors():
    config = C.DepthwiseConv2D(3).get_config()
    assert config["depth_multiplier"] == 1 and config["kernel_size"] == (3, 3)
    with pytest.raises(ValueError, match="Invalid value for argument `depth_multiplier`"):
        C.DepthwiseConv2D(3, depth_multiplier=0)
