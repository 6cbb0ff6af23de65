"""``Lambda``: extra arguments, masks, training, output shapes, and its refusal to serialize."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers


def test_lambda_and_identity_layers():
    lam = layers.Lambda(lambda x, scale: x * scale, arguments={"scale": 3.0})
    np.testing.assert_array_equal(lam(np.ones((2, 2), dtype="float32")).numpy(), np.full((2, 2), 3))
    assert lam.compute_output_shape((None, 2)) == (None, 2)
    with pytest.raises(ValueError, match="Lambda"):
        lam.get_config()
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)
    ident = layers.Identity()
    x = cf.Tensor(np.ones(3, dtype="float32"))
    assert ident(x) is x
    assert ident(np.ones(3, dtype="float16")).dtype == np.float32  # data takes the layer dtype


def test_lambda_passes_mask_and_training_when_asked():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x + 1.0

    lam = layers.Lambda(fn, output_shape=(3,), mask=lambda inputs, mask: mask)
    y = lam(np.zeros((2, 3), "float32"), training=True)
    np.testing.assert_array_equal(y.numpy(), np.ones((2, 3)))
    assert seen == {"mask": None, "training": True}
    assert lam.supports_masking and lam.compute_output_shape((None, 3)) == (None, 3)
    sized = layers.Lambda(lambda x: x, output_shape=lambda s: (s[0], 7))
    assert sized.compute_output_shape((None, 3)) == (None, 7)
