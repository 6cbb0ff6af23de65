"""Attention and AdditiveAttention: values against float64 NumPy references (masks, causal
masks), central-difference gradients, masks from inputs, functional use, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import f64, layer_gradients
from ._reference import np_softmax

R = np.random.default_rng(5)


def np_attention(q, v, k, score, scale, q_mask=None, v_mask=None, causal=False):
    scores = score(q, k) if scale is None else score(q, k, scale)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))[None]
    scores = scores - 1e9 * (1.0 - keep)
    w = np_softmax(scores)
    out = w @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, w


def dot_score(q, k, scale=1.0):
    return scale * q @ np.swapaxes(k, -1, -2)


def concat_score(w):
    return lambda q, k, scale=1.0: w * np.tanh(scale * (q[:, :, None] + k[:, None])).sum(-1)


def additive_score(q, k, scale):
    return (scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1)


ATTENTION = [
    ("dot", lambda: layers.Attention(), lambda lay: (dot_score, None)),
    ("dot_scale", lambda: layers.Attention(use_scale=True),
     lambda lay: (dot_score, lay.scale.numpy())),
    ("concat", lambda: layers.Attention(score_mode="concat", use_scale=True),
     lambda lay: (concat_score(lay.concat_score_weight.numpy()), lay.scale.numpy())),
    ("additive", lambda: layers.AdditiveAttention(),
     lambda lay: (additive_score, lay.scale.numpy())),
    ("additive_noscale", lambda: layers.AdditiveAttention(use_scale=False),
     lambda lay: (additive_score, 1.0)),
]


@pytest.mark.parametrize("name,make,ref", ATTENTION, ids=[c[0] for c in ATTENTION])
@pytest.mark.parametrize("masked", [False, True], ids=["plain", "masked_causal"])
def test_attention_matches_numpy(name, make, ref, masked, device):
    q, v, k = R.normal(size=(2, 3, 4)), R.normal(size=(2, 4, 4)), R.normal(size=(2, 4, 4))
    qm = np.array([[1, 1, 0], [1, 1, 1]], bool)
    vm = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
    with cf.device(device):
        layer = f64(make())
        inputs = [cf.Tensor(a) for a in (q, v, k)]  # Tensors keep float64 (arrays: float32)
        layer(inputs)
        if layer.weights:
            layer.set_weights([R.uniform(0.5, 1.5, size=w.shape) for w in layer.weights])
        kwargs = {"mask": [qm, vm], "use_causal_mask": True} if masked else {}
        out, w = layer(inputs, return_attention_scores=True, **kwargs)
    score, scale = ref(layer)
    want, want_w = np_attention(q, v, k, score, scale, qm if masked else None,
                                vm if masked else None, masked)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-9, atol=1e-12)

    small = {"mask": [qm[:1, :2], vm[:1]], "use_causal_mask": True} if masked else {}

    def call(lay, qt, vt, kt):
        return lay([qt, vt, kt], **small)

    layer_gradients(f64(make()), call, [q[:1, :2], v[:1], k[:1]], device)


def test_attention_masks_from_inputs_params_and_functional():
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    x = layers.Embedding(5, 4, mask_zero=True)(ids)
    att = layers.Attention()
    out = att([x, x])
    keep = (ids != 0).astype("float32")
    np.testing.assert_allclose(out.numpy(), att([cf.Tensor(x.numpy())] * 2,
                                                mask=[keep, keep]).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)
    assert layers.Attention(use_scale=True, score_mode="concat")(
        [np.zeros((1, 2, 3), "float32")] * 2).shape == (1, 2, 3)
    add = layers.AdditiveAttention()
    add([np.zeros((1, 2, 3), "float32"), np.zeros((1, 4, 3), "float32")])
    assert add.count_params() == 3 and [w.name for w in add.weights] == [
        f"{add.name}/scale"]
    qi, vi = layers.Input((2, 3)), layers.Input((4, 5))
    o, s = layers.Attention()([qi, vi, layers.Input((4, 3))], return_attention_scores=True)
    assert o.shape == (None, 2, 5) and s.shape == (None, 2, 4)


def test_attention_config_and_errors():
    att = layers.Attention(use_scale=True, score_mode="concat", dropout=0.2, name="a1")
    config = att.get_config()
    assert config["score_mode"] == "concat" and config["dropout"] == 0.2
    assert layers.Attention.from_config(config).get_config() == config
    add_config = layers.AdditiveAttention(use_scale=False).get_config()
    assert "score_mode" not in add_config and add_config["use_scale"] is False
    assert layers.AdditiveAttention.from_config(add_config).get_config() == add_config
    with pytest.raises(ValueError, match="score_mode must be 'dot' or 'concat'; received 'x'"):
        layers.Attention(score_mode="x")
    with pytest.raises(ValueError, match=r"namely \[query, value\]"):
        layers.Attention()(np.zeros((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([np.zeros((1, 2, 3), "float32")] * 2, mask=np.ones((1, 2)))
