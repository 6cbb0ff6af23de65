"""``Masking``: time steps whose features all equal ``mask_value`` are masked and zeroed."""

from __future__ import annotations

import numpy as np

import cuflow as cf
from cuflow import layers

from .._helpers import R


def test_masking_values_and_mask(device):
    x = R.normal(size=(2, 4, 3))
    x[0, 1] = -1.0
    x[1, 3] = -1.0
    with cf.device(device):
        layer = layers.Masking(mask_value=-1.0, dtype="float64")
        y = layer(cf.Tensor(x))
    keep = ~np.all(x == -1.0, axis=-1)
    np.testing.assert_array_equal(y._keras_mask.numpy(), keep)
    np.testing.assert_array_equal(y.numpy(), x * keep[..., None])
    assert layer.compute_output_shape((None, 4, 3)) == (None, 4, 3)
    assert layers.Masking.from_config(layer.get_config()).mask_value == -1.0


def test_masking_mask_reaches_a_recurrent_layer():
    x = np.ones((1, 3, 2), "float32")
    x[0, 2] = 0.0
    seq = layers.SimpleRNN(2, return_sequences=True)(layers.Masking()(x))
    np.testing.assert_array_equal(seq._keras_mask.numpy(), [[True, True, False]])
    np.testing.assert_array_equal(seq.numpy()[0, 2], seq.numpy()[0, 1])
