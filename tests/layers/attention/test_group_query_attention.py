"""GroupQueryAttention: values against a NumPy reference (grouped key / value heads, masks,
causal), Keras weight names and parameter counts, functional use, config and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

R = np.random.default_rng(11)


def _np_softmax(x, mask=None):
    if mask is not None:
        x = x + (1.0 - mask) * -1e9
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return p if mask is None else p * mask


def _weights(layer):
    return {w.name: w.numpy() for w in layer.weights}


def _gqa_reference(w, q, v, k, heads_q, heads_kv, head_dim, mask=None):
    qp = np.einsum("bqm,muh->bquh", q, w["query/kernel"]) + w["query/bias"]
    kp = np.einsum("bkm,mvh->bkvh", k, w["key/kernel"]) + w["key/bias"]
    vp = np.einsum("bkm,mvh->bkvh", v, w["value/kernel"]) + w["value/bias"]
    rep = heads_q // heads_kv
    kp, vp = np.repeat(kp, rep, axis=2), np.repeat(vp, rep, axis=2)
    scores = np.einsum("bquh,bkuh->buqk", qp / math.sqrt(head_dim), kp)
    m = None if mask is None else mask[:, None].astype(np.float64)
    probs = _np_softmax(scores, m)
    out = np.einsum("buqk,bkuh->bquh", probs, vp)
    return np.einsum("bquh,uhm->bqm", out, w["attention_output/kernel"]) + \
        w["attention_output/bias"], probs


@pytest.mark.parametrize("heads_q,heads_kv", [(4, 2), (4, 1), (3, 3)])
def test_gqa_matches_numpy_reference(heads_q, heads_kv):
    layer = layers.GroupQueryAttention(3, heads_q, heads_kv, bias_initializer="random_normal",
                                       dtype="float64")
    q, v, k = R.normal(size=(2, 4, 5)), R.normal(size=(2, 6, 5)), R.normal(size=(2, 6, 7))
    out, scores = layer(q, v, k, return_attention_scores=True)
    ref, probs = _gqa_reference(_weights(layer), q, v, k, heads_q, heads_kv, 3)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-10)
    np.testing.assert_allclose(scores.numpy(), probs, atol=1e-12)
    assert scores.shape == (2, heads_q, 4, 6)


def test_gqa_weight_names_and_parameter_count():
    m, mk, u, v, h = 8, 6, 4, 2, 5
    layer = layers.GroupQueryAttention(h, u, v)
    layer(np.zeros((1, 3, m), "float32"), np.zeros((1, 2, m), "float32"),
          np.zeros((1, 2, mk), "float32"))
    shapes = {w.name: tuple(w.shape) for w in layer.weights}
    assert shapes == {"query/kernel": (m, u, h), "query/bias": (u, h),
                      "key/kernel": (mk, v, h), "key/bias": (v, h),
                      "value/kernel": (m, v, h), "value/bias": (v, h),
                      "attention_output/kernel": (u, h, m), "attention_output/bias": (m,)}
    expected = (m * u * h + u * h) + (mk * v * h + v * h) + (m * v * h + v * h) + \
        (u * h * m + m)
    assert layer.count_params() == expected
    nobias = layers.GroupQueryAttention(h, u, v, use_bias=False)
    nobias(np.zeros((1, 3, m), "float32"), np.zeros((1, 2, m), "float32"))
    assert nobias.count_params() == m * u * h + 2 * m * v * h + u * h * m


def test_gqa_masks_and_causal():
    layer = layers.GroupQueryAttention(2, 2, 1, dtype="float64")
    q = R.normal(size=(2, 3, 4))
    v = R.normal(size=(2, 3, 4))
    mask = R.random((2, 3, 3)) > 0.3
    mask[:, :, 0] = True
    out, scores = layer(q, v, attention_mask=mask, use_causal_mask=True,
                        return_attention_scores=True)
    full = mask & np.tril(np.ones((3, 3), bool))[None]
    ref, probs = _gqa_reference(_weights(layer), q, v, v, 2, 1, 2, full)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-10)
    np.testing.assert_allclose(scores.numpy(), probs, atol=1e-12)
    assert np.all(scores.numpy()[:, :, 0, 1:] == 0)  # causal: the first query sees key 0 only


def test_gqa_functional_config_round_trip_and_errors():
    qi, vi = cf.layers.Input((3, 4)), cf.layers.Input((5, 4))
    layer = layers.GroupQueryAttention(2, 4, 2, dropout=0.1, seed=3, name="gqa")
    out = layer(qi, vi)
    assert tuple(out.shape) == (None, 3, 4)
    model = cf.models.Model([qi, vi], out)
    q, v = R.normal(size=(2, 3, 4)).astype("float32"), R.normal(size=(2, 5, 4)).astype("float32")
    np.testing.assert_allclose(model([q, v]).numpy(), layer(q, v).numpy(), rtol=1e-6)
    config = layer.get_config()
    clone = layers.GroupQueryAttention.from_config(config)
    assert clone.get_config() == config
    assert config["num_query_heads"] == 4 and config["num_key_value_heads"] == 2
    with pytest.raises(ValueError, match="divisible by `num_key_value_heads`"):
        layers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="head_dim must be a positive int"):
        layers.GroupQueryAttention(0, 2, 2)
    with pytest.raises(ValueError, match="dropout is not supported when flash"):
        layers.GroupQueryAttention(2, 2, 2, dropout=0.5, flash_attention=True)
    with pytest.raises(ValueError, match="returning attention scores is not supported"):
        layers.GroupQueryAttention(2, 2, 2, flash_attention=True)(
            q, q, return_attention_scores=True)
    with pytest.raises(TypeError, match="needs query and value"):
        layers.GroupQueryAttention(2, 2, 2)(q)
    with pytest.raises(ValueError, match=r"expects a query of shape \(batch, seq, features\)"):
        layers.GroupQueryAttention(2, 2, 2)(np.zeros((2, 3), "float32"), np.zeros((2, 3),
                                                                                  "float32"))
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape`"):
        layers.GroupQueryAttention(2, 2, 2).compute_output_shape((1, 3, 4), (1, 5, 6))
