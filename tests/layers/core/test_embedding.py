"""``Embedding``: lookups, the zero mask, gradients, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import round_trip


def test_embedding_lookup_and_mask():
    emb = layers.Embedding(10, 3, mask_zero=True)
    idx = np.array([[1, 0, 9]])
    out = emb(idx)
    np.testing.assert_array_equal(out.numpy()[0], emb.embeddings.numpy()[[1, 0, 9]])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True]])
    with pytest.raises(IndexError, match="10"):
        emb(np.array([[10]]))


def test_embedding_gradient_scatters_into_the_rows_used(device):
    with cf.device(device):
        emb = layers.Embedding(4, 2, embeddings_initializer="ones")
        idx = np.array([[0, 2, 2]])
        with cf.GradientTape() as tape:
            total = emb(idx).sum()
        (g,) = tape.gradient(total, [emb.embeddings])
    np.testing.assert_array_equal(g.numpy(), [[1, 1], [0, 0], [2, 2], [0, 0]])


def test_embedding_float_indices_shapes_and_config():
    emb = layers.Embedding(6, 3, input_length=4)
    out = emb(np.array([[1.0, 5.0, 0.0, 2.0]], "float32"))
    np.testing.assert_array_equal(out.numpy()[0], emb.embeddings.numpy()[[1, 5, 0, 2]])
    assert out._keras_mask is None
    assert emb.compute_output_shape((None, 4)) == (None, 4, 3)
    config = round_trip(layers.Embedding(5, 2, mask_zero=True))
    assert config.get_config()["mask_zero"] is True
    with pytest.raises(ValueError, match="`output_dim` must be a positive integer. Received"):
        layers.Embedding(5, 0)
