"""Core, merging and normalization layers: values against NumPy, gradients against central
differences, configs that round-trip, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.testing import check_gradients

R = np.random.default_rng(3)


def f64(layer):
    """Layers build float32 weights; gradient checks need float64 throughout."""
    layer.dtype = layer.compute_dtype = "float64"
    return layer


def run(layer, *inputs, training=None):
    args = inputs[0] if len(inputs) == 1 else list(inputs)
    return layer(args, training=training) if training is not None else layer(args)


LAYER_CASES = [
    ("dense_relu", lambda: layers.Dense(3, activation="relu"), [(4, 5)]),
    ("dense_softmax", lambda: layers.Dense(3, activation="softmax"), [(4, 5)]),
    ("dense_3d", lambda: layers.Dense(2, activation="tanh"), [(2, 3, 4)]),
    ("dense_nobias", lambda: layers.Dense(2, use_bias=False), [(3, 4)]),
    ("activation", lambda: layers.Activation("sigmoid"), [(3, 4)]),
    ("flatten", lambda: layers.Flatten(), [(2, 3, 2)]),
    ("reshape", lambda: layers.Reshape((2, -1)), [(2, 6)]),
    ("permute", lambda: layers.Permute((2, 1)), [(2, 3, 4)]),
    ("repeat", lambda: layers.RepeatVector(3), [(2, 4)]),
    ("batchnorm", lambda: layers.BatchNormalization(), [(6, 3)]),
    ("layernorm", lambda: layers.LayerNormalization(), [(4, 5)]),
    ("add", lambda: layers.Add(), [(2, 3), (2, 3)]),
    ("subtract", lambda: layers.Subtract(), [(2, 3), (2, 3)]),
    ("multiply", lambda: layers.Multiply(), [(2, 3), (2, 3)]),
    ("average", lambda: layers.Average(), [(2, 3), (2, 3), (2, 3)]),
    ("maximum", lambda: layers.Maximum(), [(2, 3), (2, 3)]),
    ("concat", lambda: layers.Concatenate(axis=1), [(2, 3), (2, 2)]),
    ("dot", lambda: layers.Dot(axes=1), [(2, 3), (2, 3)]),
    ("dot_norm", lambda: layers.Dot(axes=1, normalize=True), [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    with cf.device(device):
        layer = f64(make())
        inputs = [R.normal(size=s) for s in shapes]
        run(layer, *[cf.Tensor(a) for a in inputs], training=True if name == "batchnorm"
            else None)
        weights = layer.trainable_weights

        def fn(*ts):
            xs, ws = ts[:len(inputs)], ts[len(inputs):]
            saved = [w.data for w in weights]
            for w, t in zip(weights, ws):
                w.data = t.data
            try:
                # route the weight tensors into the graph by substituting their arrays
                return _call_with_weights(layer, xs, weights, ws)
            finally:
                for w, d in zip(weights, saved):
                    w.data = d

        check_gradients(fn, inputs + [w.numpy() for w in weights], device=device)


def _call_with_weights(layer, xs, weights, ws):
    # Variables are leaves: swap each weight for a differentiable tensor for this call
    originals = {}
    for owner in _owners(layer):
        for attr, val in list(vars(owner).items()):
            for w, t in zip(weights, ws):
                if val is w:
                    originals[(id(owner), attr)] = (owner, attr, val)
                    object.__setattr__(owner, attr, t)
    try:
        training = True if isinstance(layer, layers.BatchNormalization) else None
        out = run(layer, *xs, training=training) if training else run(layer, *xs)
        return out
    finally:
        for owner, attr, val in originals.values():
            object.__setattr__(owner, attr, val)


def _owners(layer):
    out = [layer]
    for sub in layer._layers:
        out += _owners(sub)
    return out


def test_dense_forward_matches_numpy(device):
    with cf.device(device):
        layer = layers.Dense(4, activation="relu")
        x = R.normal(size=(3, 5)).astype("float32")
        y = layer(x)
    want = np.maximum(x @ layer.kernel.numpy() + layer.bias.numpy(), 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-6)
    assert y.device == device


def test_batchnorm_training_and_inference_statistics():
    bn = layers.BatchNormalization(momentum=0.5, epsilon=1e-3)
    x = R.normal(loc=3.0, scale=2.0, size=(50, 2)).astype("float32")
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(0), x.var(0) / (x.var(0) + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    inf = bn(x, training=False).numpy()
    want = (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inf, want, rtol=1e-5, atol=1e-5)
    assert [w.name.split("/")[-1] for w in bn.weights] == ["gamma", "beta", "moving_mean",
                                                           "moving_variance"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_dropout_training_only_and_scaling():
    cf.utils.set_random_seed(0)
    d = layers.Dropout(0.5)
    x = np.ones((1000, 10), dtype="float32")
    np.testing.assert_array_equal(d(x).numpy(), x)
    y = d(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6


def test_embedding_lookup_and_mask():
    emb = layers.Embedding(10, 3, mask_zero=True)
    idx = np.array([[1, 0, 9]])
    out = emb(idx)
    np.testing.assert_array_equal(out.numpy()[0], emb.embeddings.numpy()[[1, 0, 9]])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True]])
    with pytest.raises(IndexError, match="10"):
        emb(np.array([[10]]))


def test_merge_errors_name_layer():
    with pytest.raises(ValueError, match="at least 2"):
        layers.Add(name="adder")([cf.Tensor(np.ones((2, 2)))])
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([layers.Input(shape=(3,)), layers.Input(shape=(4,))])


@pytest.mark.parametrize("make", [c[1] for c in LAYER_CASES] + [
    lambda: layers.Embedding(5, 2, mask_zero=True), lambda: layers.Dropout(0.3, seed=1)],
    ids=[c[0] for c in LAYER_CASES] + ["embedding", "dropout"])
def test_get_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("bad", [
    lambda: layers.Dense(0), lambda: layers.Dense(-3), lambda: layers.Dense("8"),
    lambda: layers.Dropout(1.5), lambda: layers.Reshape((2, -1, -1)),
    lambda: layers.Permute((1, 3)), lambda: layers.Dense(2, unknown_arg=1),
    lambda: layers.BatchNormalization(momentum=2.0), lambda: layers.Dense(2, name="a/b")])
def test_bad_constructor_arguments(bad):
    with pytest.raises((ValueError, TypeError)):
        bad()


def test_reshape_mismatch_message():
    with pytest.raises(ValueError, match=r"cannot reshape.*\(None, 5\)"):
        layers.Reshape((2, 2))(layers.Input(shape=(5,)))


def test_layer_subclass_like_keras():
    class Scale(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def build(self, input_shape):
            self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    layer = Scale()
    out = layer(np.full((2, 3), 2.0, dtype="float32"))
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3), 2.0))
    assert [w.name for w in layer.weights] == [f"{layer.name}/w"]
    assert layer.compute_output_shape((None, 3)) == (None, 3)


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


def test_add_weight_accepts_keras3_positional_shape():
    class W(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1], 2), initializer="ones", name="w")

        def call(self, x):
            return x @ self.w

    layer = W()
    np.testing.assert_array_equal(layer(np.ones((1, 3), dtype="float32")).numpy(), [[3, 3]])
    assert layer.w.shape == (3, 2) and layer.built


@pytest.mark.parametrize("make,x,want", [
    (lambda: layers.ReLU(max_value=1.0), [-1.0, 0.5, 3.0], [0.0, 0.5, 1.0]),
    (lambda: layers.LeakyReLU(negative_slope=0.1), [-1.0, 2.0], [-0.1, 2.0]),
    (lambda: layers.ELU(alpha=1.0), [-1.0, 2.0], [np.expm1(-1.0), 2.0]),
    (lambda: layers.Softmax(), [1.0, 2.0], np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()),
])
def test_activation_layers(make, x, want):
    layer = make()
    got = layer(np.array([x], dtype="float32")).numpy()[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_prelu_learns_slope_gradient():
    layer = layers.PReLU()
    x = cf.Tensor(np.array([[-2.0, 3.0]], dtype="float32"))
    layer(x)
    layer.alpha.assign(np.array([0.25, 0.25], dtype="float32"))
    with cf.GradientTape() as tape:
        y = layer(x).sum()
    (g,) = tape.gradient(y, [layer.alpha])
    np.testing.assert_allclose(g.numpy(), [-2.0, 0.0])
    np.testing.assert_allclose(layer(x).numpy(), [[-0.5, 3.0]])


def test_clear_session_resets_names():
    cf.backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
