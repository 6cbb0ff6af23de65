"""MultiHeadAttention: values against a float64 NumPy reference with the same weights (masks,
causal masks, attention axes), central-difference gradients, Keras parameter counts and weight
names, functional use, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import f64, layer_gradients
from ._reference import np_softmax

R = np.random.default_rng(5)


def np_mha(layer, q, v, k=None, mask=None):
    """Keras' MHA in float64 NumPy from the layer's weights; mask is [B, T, S] or None."""
    k = v if k is None else k
    w = [x.numpy().astype(np.float64) for x in layer.weights]
    wq, bq, wk, bk, wv, bv, wo, bo = w
    qp = np.einsum("btd,dnh->btnh", q, wq) + bq
    kp = np.einsum("bsd,dnh->bsnh", k, wk) + bk
    vp = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    scores = np.einsum("bsnh,btnh->bnts", kp, qp / np.sqrt(layer.key_dim))
    probs = np_softmax(scores, None if mask is None else mask[:, None].astype(np.float64))
    out = np.einsum("bnts,bsnh->btnh", probs, vp)
    return np.einsum("btnh,nho->bto", out, wo) + bo, probs


def randomize(layer):
    layer.set_weights([R.normal(scale=0.5, size=w.shape) for w in layer.weights])


def test_mha_weights_names_and_parameter_count():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    mha(np.zeros((1, 3, 8), "float32"), np.zeros((1, 5, 8), "float32"))
    assert mha.count_params() == 3 * (8 * 2 * 4 + 2 * 4) + (2 * 4 * 8 + 8) == 288
    assert [w.name for w in mha.weights] == [
        "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
        "attention_output/kernel", "attention_output/bias"]
    assert [w.shape for w in mha.weights] == [(8, 2, 4), (2, 4)] * 3 + [(2, 4, 8), (8,)]
    other = layers.MultiHeadAttention(3, 2, value_dim=5, output_shape=6)
    other(np.zeros((1, 2, 4), "float32"), np.zeros((1, 3, 7), "float32"))
    assert other.count_params() == (4 * 6 + 6) + (7 * 6 + 6) + (7 * 15 + 15) + (15 * 6 + 6)
    nobias = layers.MultiHeadAttention(2, 3, use_bias=False)
    nobias.build((None, 4, 5), (None, 6, 5))
    assert nobias.built and nobias.count_params() == 3 * 5 * 6 + 6 * 5


MASKS = ["none", "attention_mask", "causal", "query_value_masks", "all"]


@pytest.mark.parametrize("kind", MASKS)
def test_mha_matches_numpy(kind, device):
    b, tq, ts, d = 2, 4, 5, 6
    q, v, k = R.normal(size=(b, tq, d)), R.normal(size=(b, ts, d)), R.normal(size=(b, ts, d))
    with cf.device(device):
        mha = f64(layers.MultiHeadAttention(num_heads=2, key_dim=3))
        mha.build(q.shape, v.shape, k.shape)
        randomize(mha)
        kwargs, mask = {}, np.ones((b, tq, ts), bool)
        qt, vt, kt = (cf.Tensor(a) for a in (q, v, k))
        if kind in ("attention_mask", "all"):
            am = R.uniform(size=(b, tq, ts)) > 0.3
            am[:, :, 0] = True  # every query sees something
            kwargs["attention_mask"] = am
            mask &= am
        if kind in ("causal", "all"):
            kwargs["use_causal_mask"] = True
            mask &= np.tril(np.ones((tq, ts), bool))[None]
        if kind in ("query_value_masks", "all"):
            qm = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
            vm = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], bool)
            qt._keras_mask, vt._keras_mask = cf.Tensor(qm), cf.Tensor(vm)
            mask &= qm[:, :, None] & vm[:, None, :]
        out, scores = mha(qt, vt, kt, return_attention_scores=True, **kwargs)
    want, want_scores = np_mha(mha, q, v, k, None if kind == "none" else mask)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-9, atol=1e-10)
    assert out.device == device and scores.shape == (b, 2, tq, ts)
    if kind in ("query_value_masks", "all"):  # the output carries the query's mask
        np.testing.assert_array_equal(out._keras_mask.numpy(), qm)


def test_mha_gradients(device):
    q, v = R.normal(size=(1, 2, 3)), R.normal(size=(1, 3, 3))
    mask = np.array([[[1, 0, 1], [1, 1, 0]]], bool)

    def call(layer, qt, vt):
        return layer(qt, vt, attention_mask=mask, use_causal_mask=True)

    layer_gradients(f64(layers.MultiHeadAttention(2, 2, value_dim=3)), call, [q, v], device)

    def scores(layer, qt, vt):
        return layer(qt, vt, vt, return_attention_scores=True)[1]

    layer_gradients(f64(layers.MultiHeadAttention(1, 2, use_bias=False)), scores, [q, v],
                    device)


def test_mha_attention_axes_equal_flattened_sequence(device):
    x = R.normal(size=(2, 2, 3, 4))
    with cf.device(device):
        joint = f64(layers.MultiHeadAttention(2, 3, attention_axes=(1, 2)))
        default = f64(layers.MultiHeadAttention(2, 3))
        out = joint(x, x)
        default.build((2, 6, 4), (2, 6, 4))
        default.set_weights(joint.get_weights())
        flat = x.reshape(2, 6, 4)
        np.testing.assert_allclose(out.numpy(), default(flat, flat).numpy().reshape(x.shape),
                                   rtol=1e-9, atol=1e-12)
        # attending over axis 2 only treats axis 1 as another batch axis
        inner = f64(layers.MultiHeadAttention(2, 3, attention_axes=2))
        out2, scores = inner(x, x, return_attention_scores=True)
        inner_ref = f64(layers.MultiHeadAttention(2, 3))
        inner_ref.build((4, 3, 4), (4, 3, 4))
        inner_ref.set_weights(inner.get_weights())
        rows = x.reshape(4, 3, 4)
        np.testing.assert_allclose(out2.numpy(), inner_ref(rows, rows).numpy().reshape(x.shape),
                                   rtol=1e-9, atol=1e-12)
        assert scores.shape == (2, 2, 2, 3, 3)


def test_mha_mask_from_embedding_and_dropout():
    ids = np.array([[3, 4, 0, 0], [5, 1, 2, 0]])
    emb = layers.Embedding(10, 6, mask_zero=True)
    mha = layers.MultiHeadAttention(2, 3, dropout=0.5)
    x = emb(ids)
    auto = mha(x, x)
    keep = ids != 0
    explicit = mha(cf.Tensor(x.numpy()), cf.Tensor(x.numpy()),
                   attention_mask=keep[:, :, None] & keep[:, None, :])
    np.testing.assert_allclose(auto.numpy(), explicit.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(auto._keras_mask.numpy(), keep)
    trained = mha(x, x, training=True).numpy()
    assert not np.allclose(trained, auto.numpy())
    np.testing.assert_allclose(mha(x, x, training=False).numpy(), auto.numpy())


def test_mha_functional_model_save_and_load(tmp_path):
    qi, vi = layers.Input((3, 8)), layers.Input((5, 8))
    mha = layers.MultiHeadAttention(2, 4)
    out, scores = mha(qi, vi, return_attention_scores=True, use_causal_mask=True)
    assert out.shape == (None, 3, 8) and scores.shape == (None, 2, 3, 5)
    model = cf.models.Model([qi, vi], [out, scores])
    q = R.normal(size=(2, 3, 8)).astype("float32")
    v = R.normal(size=(2, 5, 8)).astype("float32")
    got = model([q, v])
    want = mha(q, v, return_attention_scores=True, use_causal_mask=True)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert model.count_params() == 288
    model.save(str(tmp_path / "mha.keras"))
    loaded = cf.saving.load_model(str(tmp_path / "mha.keras"))
    for a, b in zip(loaded([q, v]), got):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    model.compile(optimizer="adam", loss="mse")
    model.fit([q, v], [np.zeros((2, 3, 8)), np.zeros((2, 2, 3, 5))], epochs=1, verbose=0)


def test_mha_config_round_trip():
    mha = layers.MultiHeadAttention(3, 2, value_dim=4, dropout=0.1, use_bias=False,
                                    output_shape=5, attention_axes=(1,),
                                    kernel_initializer="he_normal", name="att")
    config = mha.get_config()
    assert config["value_dim"] == 4 and config["output_shape"] == [5]
    clone = layers.MultiHeadAttention.from_config(config)
    assert clone.get_config() == config
    q = R.normal(size=(2, 3, 6)).astype("float32")
    mha(q, q)
    clone(q, q)
    clone.set_weights(mha.get_weights())
    np.testing.assert_allclose(clone(q, q).numpy(), mha(q, q).numpy(), rtol=1e-6)
    assert mha.compute_output_shape((None, 3, 6), (None, 4, 6)) == (None, 3, 5)


def test_mha_errors():
    with pytest.raises(ValueError, match="num_heads must be a positive int; received 0"):
        layers.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="dropout"):
        layers.MultiHeadAttention(2, 4, dropout=1.5)
    mha = layers.MultiHeadAttention(2, 4)
    with pytest.raises(ValueError, match=r"rank >= 3.*\(2, 8\)"):
        mha(np.zeros((2, 8), "float32"), np.zeros((2, 8), "float32"))
    with pytest.raises(TypeError, match="needs query and value"):
        layers.MultiHeadAttention(2, 4)(np.zeros((1, 2, 8), "float32"))
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(2, 4, attention_axes=(2,))(np.zeros((1, 2, 8), "float32"),
                                                             np.zeros((1, 2, 8), "float32"))
