"""Conv1D / Conv2D / Conv3D: outputs against the nested-loop reference, Keras defaults and the
``Convolution*`` aliases."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as C

from ...ops import _conv_reference as ref
from ._helpers import build, with_weights

R = np.random.default_rng(5)


def test_conv2d_layer_matches_reference(device):
    with cf.device(device):
        layer = build(C.Conv2D(4, 3, strides=2, padding="same", activation="relu",
                               dtype="float64"), (2, 7, 6, 3))
        k, b = R.normal(size=(3, 3, 3, 4)), R.normal(size=4)
        with_weights(layer, k, b)
        x = R.normal(size=(2, 7, 6, 3))
        y = layer(cf.Tensor(x))
    want = np.maximum(ref.conv(x, k, (2, 2), "same", (1, 1)) + b, 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)
    assert y.shape == layer.compute_output_shape((2, 7, 6, 3))


@pytest.mark.parametrize("make,shape,strides,padding,dils", [
    (lambda: C.Conv1D(3, 3, padding="causal", dilation_rate=2, dtype="float64"), (2, 7, 2),
     (1,), "causal", (2,)),
    (lambda: C.Conv3D(2, 2, strides=(1, 2, 1), dtype="float64"), (1, 3, 4, 3, 2), (1, 2, 1),
     "valid", (1, 1, 1)),
    (lambda: C.Conv2D(4, (2, 3), groups=2, padding="same", dtype="float64"), (2, 4, 5, 2),
     (1, 1), "same", (1, 1)),
])
def test_conv_ranks_match_reference(device, make, shape, strides, padding, dils):
    with cf.device(device):
        layer = build(make(), shape)
        k, b = R.normal(size=layer.kernel.shape), R.normal(size=layer.bias.shape)
        with_weights(layer, k, b)
        x = R.normal(size=shape)
        y = layer(cf.Tensor(x))
    want = ref.conv(x, k, strides, padding, dils, groups=layer.groups) + b
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)


def test_keras_defaults_and_aliases():
    c = C.Conv2D(4, 3).get_config()
    assert (c["strides"], c["padding"], c["dilation_rate"], c["groups"], c["data_format"],
            c["use_bias"], c["activation"]) == ((1, 1), "valid", (1, 1), 1, "channels_last",
                                                True, "linear")
    assert C.Convolution1D is C.Conv1D and C.Convolution2D is C.Conv2D
    assert C.Convolution3D is C.Conv3D
