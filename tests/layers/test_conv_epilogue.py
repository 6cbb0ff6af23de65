"""Convolutions with the bias + activation epilogue fused into the conv node: the same values
and gradients as the conv followed by a separate activation, for plain, grouped, depthwise and
separable convolutions, in both data formats."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, ops
from cuflow.testing import check_gradients


def _rng():
    return np.random.default_rng(7)


@pytest.mark.parametrize("act", ["relu", "tanh", "gelu", "sigmoid", "linear"])
@pytest.mark.parametrize("groups", [1, 2])
def test_conv_op_activation_equals_separate_activation(act, groups):
    rng = _rng()
    x = rng.normal(size=(2, 7, 6, 4))
    k = rng.normal(size=(3, 3, 4 // groups, 6)) * 0.5
    b = rng.normal(size=6)
    fused = ops.conv(x, k, 1, "same", 1, groups, bias=b, activation=act).numpy()
    plain = ops.conv(x, k, 1, "same", 1, groups, bias=b).numpy()
    want = ops.activation(plain, act).numpy() if act != "linear" else plain
    np.testing.assert_allclose(fused, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("act", ["tanh", "elu", "softplus"])
def test_conv_op_activation_gradients(act):
    rng = _rng()
    x, k, b = rng.normal(size=(2, 5, 5, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    check_gradients(lambda x, k, b: ops.conv(x, k, 2, "same", bias=b, activation=act), [x, k, b])
    # without a bias the activation is still fused into the node
    check_gradients(lambda x, k: ops.conv(x, k, 1, "valid", activation=act), [x, k])


def test_conv_op_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'rellu'"):
        ops.conv(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), activation="rellu")


@pytest.mark.parametrize("make", [
    lambda act, fmt: layers.Conv2D(5, 3, padding="same", activation=act, data_format=fmt),
    lambda act, fmt: layers.Conv2D(6, 3, groups=2, activation=act, data_format=fmt),
    lambda act, fmt: layers.DepthwiseConv2D(3, depth_multiplier=2, activation=act,
                                            data_format=fmt),
    lambda act, fmt: layers.SeparableConv2D(5, 3, activation=act, data_format=fmt),
    lambda act, fmt: layers.Conv1D(5, 3, padding="causal", activation=act, data_format=fmt),
], ids=["conv2d", "grouped", "depthwise", "separable", "conv1d_causal"])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_layers_fuse_their_activation_with_unchanged_results(make, fmt):
    rng = _rng()
    fused = make("relu", fmt)
    plain = make(None, fmt)
    rank = 3 if isinstance(fused, layers.Conv1D) else 4
    x = rng.normal(size=(2, 4, 6, 6)[:rank]).astype("float32")
    if fmt == "channels_last":
        x = np.moveaxis(x, 1, -1).copy()
    fused.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(fused.get_weights())
    assert fused._fused == "relu" and plain._fused in ("linear", None)
    xt = cf.Tensor(x)
    with cf.GradientTape() as tape:
        out = fused(xt)
        total = (out * out).sum()
    grads = tape.gradient(total, fused.trainable_weights)
    with cf.GradientTape() as tape:
        ref = ops.relu(plain(xt))
        ref_total = (ref * ref).sum()
    ref_grads = tape.gradient(ref_total, plain.trainable_weights)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-4, atol=1e-5)


def test_a_custom_activation_is_applied_after_the_conv():
    calls = []

    def act(t):
        calls.append(t.shape)
        return t * 2.0

    layer = layers.Conv2D(2, 1, activation=act, kernel_initializer="ones")
    out = layer(np.ones((1, 2, 2, 3), "float32"))
    assert layer._fused is None and calls == [(1, 2, 2, 2)]
    np.testing.assert_allclose(out.numpy(), np.full((1, 2, 2, 2), 6.0))
