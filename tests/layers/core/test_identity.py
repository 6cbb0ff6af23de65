"""``Identity``: returns its input (and its mask) unchanged."""

from __future__ import annotations

import numpy as np

import cuflow as cf
from cuflow import layers

from .._helpers import round_trip


def test_identity_keeps_tensor_mask_and_shape():
    ident = layers.Identity(name="same")
    x = cf.Tensor(np.arange(6, dtype="float32").reshape(2, 3))
    assert ident(x) is x
    ids = np.array([[1, 0, 2]])
    masked = layers.Embedding(3, 2, mask_zero=True)(ids)
    np.testing.assert_array_equal(ident(masked)._keras_mask.numpy(), [[True, False, True]])
    assert ident.compute_output_shape((None, 4, 2)) == (None, 4, 2)
    assert layers.Identity(input_shape=(4,))(layers.Input((4,))).shape == (None, 4)
    round_trip(ident)
