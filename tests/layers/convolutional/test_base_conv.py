"""What every convolution layer shares (``_Conv``): Keras parameter counts and weight shapes,
shapes (None dims), float64 gradient checks, config round trips, the fused activation and the
error messages, over Conv, ConvTranspose, DepthwiseConv and SeparableConv of every rank."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers, ops
from cuflow import layers as C
from cuflow.layers import Input
from cuflow.testing import check_gradients

from ._helpers import build

R = np.random.default_rng(5)


def _rng():
    return np.random.default_rng(7)


# (layer, input shape, Keras's count by formula, {weight name: shape})
# (layer, input shape, Keras's count by formula, {weight name: shape})
PARAMS = [
    (lambda: C.Conv2D(8, 3), (1, 9, 9, 3), 3 * 3 * 3 * 8 + 8,
     {"kernel": (3, 3, 3, 8), "bias": (8,)}),
    (lambda: C.Conv2D(8, (3, 2), groups=2, use_bias=False), (1, 9, 9, 4), 3 * 2 * 2 * 8,
     {"kernel": (3, 2, 2, 8)}),
    (lambda: C.Conv1D(5, 4, padding="causal"), (1, 10, 6), 4 * 6 * 5 + 5,
     {"kernel": (4, 6, 5), "bias": (5,)}),
    (lambda: C.Conv3D(4, 2, data_format="channels_first"), (1, 3, 4, 4, 4), 8 * 3 * 4 + 4,
     {"kernel": (2, 2, 2, 3, 4), "bias": (4,)}),
    (lambda: C.Conv2DTranspose(8, 3, strides=2), (1, 4, 4, 5), 3 * 3 * 8 * 5 + 8,
     {"kernel": (3, 3, 8, 5), "bias": (8,)}),
    (lambda: C.Conv1DTranspose(3, 2), (1, 4, 2), 2 * 3 * 2 + 3, {"kernel": (2, 3, 2)}),
    (lambda: C.Conv3DTranspose(2, 2), (1, 2, 2, 2, 3), 8 * 2 * 3 + 2, {"kernel": (2, 2, 2, 2, 3)}),
    (lambda: C.DepthwiseConv2D(3, depth_multiplier=2), (1, 6, 6, 4), 3 * 3 * 4 * 2 + 4 * 2,
     {"kernel": (3, 3, 4, 2), "bias": (8,)}),
    (lambda: C.DepthwiseConv1D(3), (1, 6, 4), 3 * 4 + 4, {"kernel": (3, 4, 1)}),
    (lambda: C.SeparableConv2D(8, 3, depth_multiplier=2), (1, 6, 6, 4),
     3 * 3 * 4 * 2 + 4 * 2 * 8 + 8,
     {"depthwise_kernel": (3, 3, 4, 2), "pointwise_kernel": (1, 1, 8, 8), "bias": (8,)}),
    (lambda: C.SeparableConv1D(6, 3, use_bias=False), (1, 7, 3), 3 * 3 + 3 * 6,
     {"depthwise_kernel": (3, 3, 1), "pointwise_kernel": (1, 3, 6)}),
]


@pytest.mark.parametrize("make,shape,count,weights", PARAMS)
def test_parameter_counts_and_weight_names(make, shape, count, weights):
    layer = build(make(), shape)
    assert layer.count_params() == count
    got = {w.name.split("/")[-1]: w.shape for w in layer.weights}
    for name, s in weights.items():
        assert got[name] == s


SHAPES = [
    (lambda: C.Conv2D(4, 3), (None, 9, 8, 3)),
    (lambda: C.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first"),
     (None, 3, 9, 8)),
    (lambda: C.Conv2D(4, (3, 2), dilation_rate=2, groups=2), (None, 9, 8, 2)),
    (lambda: C.Conv1D(4, 3, strides=2, padding="causal"), (None, 9, 3)),
    (lambda: C.Conv3D(2, 2, strides=(1, 2, 1)), (None, 4, 5, 3, 2)),
    (lambda: C.Conv2DTranspose(3, 3, strides=2, padding="same"), (None, 4, 5, 2)),
    (lambda: C.Conv2DTranspose(3, 3, strides=2, output_padding=1), (None, 4, 5, 2)),
    (lambda: C.Conv2DTranspose(3, 2, strides=3, dilation_rate=1, data_format="channels_first"),
     (None, 2, 4, 5)),
    (lambda: C.Conv1DTranspose(3, 3, strides=2, padding="same"), (None, 5, 2)),
    (lambda: C.Conv3DTranspose(3, 2, strides=2), (None, 2, 3, 2, 2)),
    (lambda: C.DepthwiseConv2D(3, depth_multiplier=3, padding="same"), (None, 5, 5, 2)),
    (lambda: C.SeparableConv2D(5, 3, strides=2), (None, 7, 8, 2)),
]


@pytest.mark.parametrize("make,shape", SHAPES)
def test_output_shapes(device, make, shape):
    layer = make()
    sym = layer.compute_output_shape(shape)
    assert sym[0] is None
    with cf.device(device):
        y = layer(cf.Tensor(R.normal(size=(2,) + shape[1:]).astype(np.float32)))
    assert y.shape == (2,) + tuple(sym[1:])
    # unknown spatial sizes stay unknown
    cf_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    partial = (None, shape[1], None) + shape[3:] if cf_first else (None, None) + shape[2:]
    out = layer.compute_output_shape(partial)
    assert out[2 if cf_first else 1] is None


def test_functional_input_gives_symbolic_shape():
    x = Input((32, 32, 3))
    y = C.Conv2D(8, 3, strides=2, padding="same")(x)
    assert y.shape == (None, 16, 16, 8)


GRAD_LAYERS = [
    (lambda: C.Conv2D(3, (2, 3), strides=(2, 1), padding="same", groups=1, activation="tanh"),
     (1, 4, 5, 2)),
    (lambda: C.Conv2D(4, 2, dilation_rate=2, groups=2, data_format="channels_first"),
     (1, 2, 4, 4)),
    (lambda: C.Conv1D(3, 3, padding="causal", dilation_rate=2), (2, 5, 2)),
    (lambda: C.Conv3D(2, 2, padding="same"), (1, 3, 2, 3, 2)),
    (lambda: C.Conv2DTranspose(2, 3, strides=2, padding="same"), (1, 2, 3, 2)),
    (lambda: C.Conv1DTranspose(2, 2, strides=2, output_padding=1), (1, 3, 2)),
    (lambda: C.Conv3DTranspose(2, 2), (1, 2, 2, 1, 2)),
    (lambda: C.DepthwiseConv2D(2, depth_multiplier=2, strides=2, padding="same"), (1, 4, 3, 2)),
    (lambda: C.DepthwiseConv1D(3, padding="same"), (1, 5, 2)),
    (lambda: C.SeparableConv2D(3, 2, depth_multiplier=2), (1, 4, 4, 2)),
    (lambda: C.SeparableConv1D(2, 3, padding="same"), (1, 4, 2)),
]


@pytest.mark.parametrize("make,shape", GRAD_LAYERS)
def test_layer_gradients(device, make, shape):
    with cf.device(device):
        proto = make()
        layer = type(proto).from_config({**proto.get_config(), "dtype": "float64"})
        layer(cf.Tensor(np.zeros(shape)))
    names = [w.name.split("/")[-1] for w in layer.weights]

    def fn(x, *ws):
        for name, w in zip(names, ws):
            object.__setattr__(layer, name, w)  # differentiate through the weights as inputs
        return layer(x)

    arrays = [R.normal(size=shape)] + [R.normal(size=w.shape) for w in layer.weights]
    check_gradients(fn, arrays, device=device)


CONFIGS = [
    lambda: C.Conv2D(8, (3, 2), strides=2, padding="same", data_format="channels_first",
                     groups=2, activation="relu", use_bias=False, kernel_initializer="he_normal",
                     kernel_regularizer="l2", bias_constraint="non_neg", name="c2"),
    lambda: C.Conv1D(4, 3, padding="causal", dilation_rate=2, activity_regularizer="l1"),
    lambda: C.Conv3D(2, 2),
    lambda: C.Conv2DTranspose(4, 3, strides=2, output_padding=1, padding="same"),
    lambda: C.DepthwiseConv2D(3, depth_multiplier=2, depthwise_initializer="ones"),
    lambda: C.SeparableConv2D(4, 3, pointwise_regularizer="l2", depth_multiplier=3),
]


@pytest.mark.parametrize("make", CONFIGS)
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert isinstance(config["kernel_size"], tuple)


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


def test_errors():
    layer = C.Conv2D(4, 3, name="conv_x")
    with pytest.raises(ValueError, match=r'"conv_x".*expected ndim=4.*received input with '
                                         r"shape \(2, 5, 3\)"):
        layer(cf.Tensor(np.zeros((2, 5, 3), np.float32)))
    with pytest.raises(ValueError, match=r'"conv_x".*kernel_size \(3, 3\).*larger.*\(2, 2\)'):
        C.Conv2D(4, 3, name="conv_x")(cf.Tensor(np.zeros((1, 2, 2, 3), np.float32)))
    build(layer, (1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"axis -1 of input shape to have value 3.*"
                                         r"\(1, 5, 5, 2\)"):
        layer(cf.Tensor(np.zeros((1, 5, 5, 2), np.float32)))
    with pytest.raises(ValueError, match=r"strides > 1.*dilation_rate > 1"):
        C.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"divisible by the number of groups"):
        C.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match=r"divisible by the number of groups"):
        C.Conv2D(4, 3, groups=2)(cf.Tensor(np.zeros((1, 5, 5, 3), np.float32)))
    with pytest.raises(ValueError, match=r"padding must be one of"):
        C.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match=r"Invalid value for argument `filters`. Expected a "
                                         r"strictly positive value. Received filters=0."):
        C.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"The `kernel_size` argument must be a tuple of 2 "
                                         r"integers. Received kernel_size=\(3, 3, 3\)"):
        C.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match=r"Received kernel_size=\(1, 0\), including values "
                                         r"\{0\} that do not satisfy `value > 0`"):
        C.Conv2D(2, (1, 0))
    with pytest.raises(ValueError, match=r"Received strides=\(1, 0\), including values \{0\}"):
        C.Conv2D(2, (2, 2), strides=(1, 0))
    with pytest.raises(ValueError, match=r"The number of groups must be a positive integer. "
                                         r"Received: groups=0."):
        C.Conv2D(5, (2, 2), groups=0)
    with pytest.raises(ValueError, match=r"greater than output padding"):
        C.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(TypeError, match=r"unexpected keyword"):
        C.DepthwiseConv2D(3, kernel_initializer="ones")
