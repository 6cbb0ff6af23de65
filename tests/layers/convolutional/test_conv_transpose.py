"""Conv1DTranspose / Conv2DTranspose / Conv3DTranspose: outputs against the scatter reference,
output_padding, channels_first, and the ``Convolution*Transpose`` aliases."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as C

from ...ops import _conv_reference as ref
from ._helpers import build, with_weights

R = np.random.default_rng(5)


@pytest.mark.parametrize("strides,padding", [(2, "valid"), (1, "valid"), (3, "valid")])
def test_conv2d_transpose_matches_scatter(device, strides, padding):
    with cf.device(device):
        layer = build(C.Conv2DTranspose(3, (3, 2), strides=strides, padding=padding,
                                        dtype="float64"), (2, 3, 4, 2))
        k, b = R.normal(size=(3, 2, 3, 2)), R.normal(size=3)
        with_weights(layer, k, b)
        x = R.normal(size=(2, 3, 4, 2))
        y = layer(cf.Tensor(x))
    out = [n * strides + max(kk - strides, 0) for n, kk in ((3, 3), (4, 2))]
    want = ref.conv_transpose(x, k, (strides,) * 2, out, (0, 0)) + b
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)
    assert y.shape == layer.compute_output_shape((2, 3, 4, 2))


def test_output_padding_and_channels_first(device):
    x = R.normal(size=(1, 3, 5, 2))
    with cf.device(device):
        last = build(C.Conv2DTranspose(2, 3, strides=2, output_padding=1, dtype="float64"),
                     (1, 3, 5, 2))
        first = build(C.Conv2DTranspose(2, 3, strides=2, output_padding=1, dtype="float64",
                                        data_format="channels_first"), (1, 2, 3, 5))
        first.set_weights(last.get_weights())
        y = last(cf.Tensor(x))
        z = first(cf.Tensor(np.moveaxis(x, -1, 1)))
    assert y.shape == (1, (3 - 1) * 2 + 3 + 1, (5 - 1) * 2 + 3 + 1, 2)  # Keras: + output_padding
    np.testing.assert_allclose(np.moveaxis(z.numpy(), 1, -1), y.numpy(), rtol=1e-10)
    assert C.Convolution1DTranspose is C.Conv1DTranspose
    assert C.Convolution2DTranspose is C.Conv2DTranspose
    assert C.Convolution3DTranspose is C.Conv3DTranspose
