"""Architectures built the same way with real Keras and with cuflow: each builder takes the
library (``keras`` or ``cuflow``) and returns ``(model, inputs)``. cuflow mirrors Keras's API,
so one builder serves both."""

from __future__ import annotations

import numpy as np

RNG = np.random.default_rng(0)
N = 5


def _x(*shape):
    return RNG.normal(size=(N,) + shape).astype("float32")


def mlp(K):
    model = K.Sequential([K.Input((8,)), K.layers.Dense(16, activation="relu"),
                          K.layers.Dense(4, activation="softmax")])
    return model, _x(8)


def mlp_named_layers(K):
    model = K.Sequential([K.Input((6,)), K.layers.Dense(5, activation="tanh", name="hidden"),
                          K.layers.Dense(3, use_bias=False, name="out")])
    return model, _x(6)


def dropout_mlp(K):
    model = K.Sequential([K.Input((6,)), K.layers.Dense(8, activation="relu"),
                          K.layers.Dropout(0.5), K.layers.Dense(2)])
    return model, _x(6)


def batchnorm(K):
    model = K.Sequential([K.Input((6,)), K.layers.Dense(8), K.layers.BatchNormalization(),
                          K.layers.Activation("relu"), K.layers.Dense(2)])
    return model, _x(6)


def cnn(K):
    model = K.Sequential([K.Input((12, 12, 3)),
                          K.layers.Conv2D(4, 3, activation="relu", padding="same"),
                          K.layers.MaxPooling2D(), K.layers.Conv2D(6, 3, strides=2),
                          K.layers.Flatten(), K.layers.Dense(3)])
    return model, _x(12, 12, 3)


def cnn_bn_pooling(K):
    model = K.Sequential([K.Input((10, 10, 2)), K.layers.Conv2D(4, 3, use_bias=False),
                          K.layers.BatchNormalization(), K.layers.ReLU(),
                          K.layers.DepthwiseConv2D(3, padding="same"),
                          K.layers.GlobalAveragePooling2D(), K.layers.Dense(2)])
    return model, _x(10, 10, 2)


def conv1d(K):
    model = K.Sequential([K.Input((16, 3)), K.layers.Conv1D(4, 3, activation="relu"),
                          K.layers.AveragePooling1D(2), K.layers.GlobalMaxPooling1D(),
                          K.layers.Dense(2)])
    return model, _x(16, 3)


def lstm(K):
    model = K.Sequential([K.Input((7, 4)), K.layers.LSTM(5), K.layers.Dense(2)])
    return model, _x(7, 4)


def gru_sequences(K):
    model = K.Sequential([K.Input((7, 4)), K.layers.GRU(5, return_sequences=True),
                          K.layers.SimpleRNN(3)])
    return model, _x(7, 4)


def bidirectional(K):
    model = K.Sequential([K.Input((6, 3)),
                          K.layers.Bidirectional(K.layers.LSTM(4, return_sequences=True)),
                          K.layers.Bidirectional(K.layers.GRU(3)), K.layers.Dense(2)])
    return model, _x(6, 3)


def embedding_masked(K):
    model = K.Sequential([K.Input((9,), dtype="int32"),
                          K.layers.Embedding(20, 6, mask_zero=True), K.layers.LSTM(4),
                          K.layers.Dense(2)])
    x = RNG.integers(1, 20, size=(N, 9)).astype("int32")
    x[:, 6:] = 0  # padded tails: the mask must reach the LSTM
    return model, x


def embedding_pooling(K):
    model = K.Sequential([K.Input((9,), dtype="int32"), K.layers.Embedding(30, 4),
                          K.layers.GlobalAveragePooling1D(), K.layers.Dense(3)])
    return model, RNG.integers(0, 30, size=(N, 9)).astype("int32")


def functional_multi_io(K):
    a = K.Input((5,), name="a")
    b = K.Input((3,), name="b")
    h = K.layers.Concatenate()([K.layers.Dense(4, activation="relu")(a), b])
    out1 = K.layers.Dense(2, name="first")(h)
    out2 = K.layers.Dense(1, activation="sigmoid", name="second")(h)
    return K.Model([a, b], [out1, out2]), [_x(5), _x(3)]


def functional_branches(K):
    inp = K.Input((6,))
    left = K.layers.Dense(4, activation="relu")(inp)
    right = K.layers.Dense(5)(K.layers.Dense(3)(inp))
    merged = K.layers.Concatenate()([left, right])
    added = K.layers.Add()([K.layers.Dense(4)(merged), left])
    return K.Model(inp, K.layers.Dense(2)(added)), _x(6)


def shared_layers(K):
    a = K.Input((4,))
    b = K.Input((4,))
    shared = K.layers.Dense(3, activation="tanh")
    out = K.layers.Subtract()([shared(a), shared(b)])
    return K.Model([a, b], K.layers.Dense(1)(out)), [_x(4), _x(4)]


def nested_sequential(K):
    inner = K.Sequential([K.Input((5,)), K.layers.Dense(4, activation="relu"),
                          K.layers.Dense(3)])
    inp = K.Input((5,))
    out = K.layers.Dense(2)(inner(inp))
    return K.Model(inp, out), _x(5)


def nested_functional(K):
    i = K.Input((4,))
    block = K.Model(i, K.layers.Dense(3, activation="relu")(K.layers.Dense(5)(i)))
    outer = K.Sequential([K.Input((4,)), K.layers.Dense(4), block, K.layers.Dense(2)])
    return outer, _x(4)


def layer_normalization(K):
    model = K.Sequential([K.Input((6, 4)), K.layers.LayerNormalization(),
                          K.layers.Dense(3), K.layers.Flatten(), K.layers.Dense(2)])
    return model, _x(6, 4)


def time_distributed(K):
    model = K.Sequential([K.Input((5, 4)), K.layers.TimeDistributed(K.layers.Dense(3)),
                          K.layers.GRU(2)])
    return model, _x(5, 4)


def reshaping(K):
    model = K.Sequential([K.Input((4, 4, 2)), K.layers.ZeroPadding2D(1),
                          K.layers.Conv2D(3, 2), K.layers.UpSampling2D(),
                          K.layers.Cropping2D(1), K.layers.Reshape((-1,)),
                          K.layers.Dense(2)])
    return model, _x(4, 4, 2)


def attention_layers(K):
    q = K.Input((4, 8))
    v = K.Input((5, 8))
    h = K.layers.MultiHeadAttention(2, 4)(q, v)
    out = K.layers.Attention()([K.layers.LayerNormalization()(h), v])
    return K.Model([q, v], out), [_x(4, 8), _x(5, 8)]


def more_convolutions(K):
    model = K.Sequential([K.Input((8, 8, 3)), K.layers.SeparableConv2D(4, 3),
                          K.layers.Conv2DTranspose(2, 3, strides=2), K.layers.PReLU(),
                          K.layers.GroupNormalization(2)])
    return model, _x(8, 8, 3)


def make_custom_layer(K):
    """The same registered layer class, defined against either library."""

    @K.saving.register_keras_serializable(package="interop")
    class Scale(K.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return K.ops.tanh(x * self.w) * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def custom_registered(K):
    scale = make_custom_layer(K)
    model = K.Sequential([K.Input((5,)), K.layers.Dense(4), scale(0.5), K.layers.Dense(2)])
    return model, _x(5)


def mobilenet_v2(K):
    model = K.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None,
                                       classes=5)
    return model, _x(32, 32, 3)


ARCHITECTURES = {f.__name__: f for f in (
    mlp, mlp_named_layers, dropout_mlp, batchnorm, cnn, cnn_bn_pooling, conv1d, lstm,
    gru_sequences, bidirectional, embedding_masked, embedding_pooling, functional_multi_io,
    functional_branches, shared_layers, nested_sequential, nested_functional,
    layer_normalization, time_distributed, reshaping, attention_layers, more_convolutions,
    custom_registered, mobilenet_v2)}


def randomize(model):
    """Non-default weights everywhere (positive for variances), so that a wrong mapping shows."""
    weights = []
    for w in model.get_weights():
        w = np.asarray(w)
        if not np.issubdtype(w.dtype, np.floating):
            pass
        elif w.ndim <= 1:  # biases, scales, means, variances: positive suits them all
            w = RNG.uniform(0.5, 1.5, size=w.shape).astype(w.dtype)
        else:  # kernels scaled by fan-in, so activations stay near 1 through deep models
            fan_in = int(np.prod(w.shape[:-1])) if w.ndim >= 2 else 4
            w = RNG.normal(scale=1.0 / np.sqrt(fan_in), size=w.shape).astype(w.dtype)
        weights.append(w)
    model.set_weights(weights)
