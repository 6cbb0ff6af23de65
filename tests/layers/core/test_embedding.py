"""``Embedding``: lookups, the zero mask, gradients, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, quantizers

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


def test_embedding_builds_without_a_shape_and_from_weights():
    emb = layers.Embedding(4, 2)
    emb.build()
    assert emb.built and emb.embeddings.shape == (4, 2)
    table = np.arange(8, dtype="float32").reshape(4, 2)
    emb = layers.Embedding(4, 2, weights=table)
    np.testing.assert_array_equal(emb.embeddings.numpy(), table)
    with pytest.raises(ValueError, match="`input_dim` must be a positive integer"):
        layers.Embedding(True, 2)
    with pytest.raises(TypeError, match="`input_dim` must be a positive integer"):
        layers.Embedding.from_config({"input_dim": 3.7, "output_dim": 8})


def test_embedding_mixed_float16_outputs_float16_with_float32_table():
    emb = layers.Embedding(5, 3, dtype="mixed_float16")
    out = emb(np.array([[1, 4]]))
    assert out.dtype == np.float16 and emb.embeddings.dtype == np.float32


@pytest.mark.parametrize("mode,block", [("int8", None), ("int4", None), ("int4", 2)])
def test_embedding_quantized_rows(mode, block):
    emb = layers.Embedding(6, 5)
    emb.build()
    table = emb.embeddings.numpy().astype(np.float64)
    config = quantizers.Int4QuantizationConfig(block_size=block) if mode == "int4" else None
    emb.quantize(mode, config=config)
    idx = np.array([[0, 5, 3]])
    out = emb(idx).numpy()
    if mode == "int8":
        scale = 127 / (np.abs(table).max(axis=-1) + 1e-7)
        q = np.clip(np.round(table * scale[:, None]), -127, 127)
        np.testing.assert_array_equal(emb._embeddings.numpy(), q)
        np.testing.assert_allclose(out[0], (q / scale[:, None])[[0, 5, 3]], rtol=1e-5)
    else:
        assert emb._embeddings.shape == (6, 3) and emb.embeddings.shape == (6, 5)
        assert emb.embeddings_scale.shape == ((6,) if block is None else (6, 3))
        np.testing.assert_allclose(out[0], emb._float_table().numpy()[[0, 5, 3]], rtol=1e-6)
    if block is None:  # (Keras's asymmetric groups fit a same-sign group poorly: not checked)
        assert np.max(np.abs(out[0] - table[[0, 5, 3]])) < 0.02


def test_embedding_lora_and_saved_merge():
    emb = layers.Embedding(6, 4, lora_rank=2)
    emb.build()
    assert [w.name.split("/")[-1] for w in emb.trainable_weights] == \
        ["lora_embeddings_a", "lora_embeddings_b"]
    emb.lora_embeddings_b.assign(np.ones((2, 4), "float32"))
    merged = emb._embeddings.numpy() + emb.lora_embeddings_a.numpy() @ np.ones((2, 4))
    idx = np.array([[1, 2]])
    np.testing.assert_allclose(emb(idx).numpy()[0], merged[[1, 2]], rtol=1e-5)
    store = {}
    emb.save_own_variables(store)
    plain = layers.Embedding(6, 4)
    plain.build()
    plain.load_own_variables(store)
    np.testing.assert_allclose(plain(idx).numpy(), emb(idx).numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="incompatible with embedding constraints"):
        built = layers.Embedding(3, 2, embeddings_constraint="non_neg")
        built.build()
        built.enable_lora(2)
