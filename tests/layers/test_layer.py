"""``Layer``: subclassing as in Keras, ``add_weight`` in both argument orders, weights,
trainability, losses, configs, naming, and the errors ``__init__`` / ``__call__`` raise."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers


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


def test_add_weight_accepts_keras3_positional_shape():
    class W(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1], 2), initializer="ones", name="w")

        def call(self, x):
            return x @ self.w

    layer = W()
    np.testing.assert_array_equal(layer(np.ones((1, 3), dtype="float32")).numpy(), [[3, 3]])
    assert layer.w.shape == (3, 2) and layer.built


def test_add_weight_tf_keras_2_order_and_cuflow_shorthand():
    class W(layers.Layer):
        def build(self, input_shape):
            self.a = self.add_weight("a", (2,), "float64", "ones")  # (name, shape, dtype, init)
            self.b = self.add_weight("b", (3,), "zeros")  # cuflow's (name, shape, initializer)

    layer = W()
    layer.build((None, 2))
    assert layer.a.dtype == np.float64 and layer.a.numpy().tolist() == [1.0, 1.0]
    assert layer.b.dtype == np.float32 and not layer.b.numpy().any()
    with pytest.raises(TypeError, match="got multiple values for argument 'shape'"):
        layer.add_weight((2,), shape=(3,))
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        layer.add_weight("c", (2,), colour="red")
    with pytest.raises(ValueError, match="weight shape must be non-negative"):
        layer.add_weight("d", (-1, 2))


def test_weights_trainability_and_set_weights():
    layer = layers.Dense(2)
    layer.build((None, 3))
    assert [w.name.split("/")[-1] for w in layer.trainable_weights] == ["kernel", "bias"]
    layer.set_weights([np.ones((3, 2)), np.full(2, 0.5)])
    np.testing.assert_array_equal(layer(np.ones((1, 3), "float32")).numpy(), [[3.5, 3.5]])
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert layer.get_config()["trainable"] is False
    with pytest.raises(ValueError, match="expects 2 weight arrays; received 1"):
        layer.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"has shape \(2,\); received an array of shape \(3,\)"):
        layer.set_weights([np.ones((3, 2)), np.ones(3)])
    with pytest.raises(ValueError, match="is not built yet"):
        layers.Dense(2).count_params()


def test_losses_collect_regularizers_added_and_nested_losses():
    class Outer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Dense(2, kernel_regularizer="l2", kernel_initializer="ones")

        def call(self, x):
            self.add_loss(cf.ops.sum(x))
            return self.inner(x)

    layer = Outer()
    layer(np.ones((1, 3), "float32"))
    values = sorted(float(v.numpy()) for v in layer.losses)
    np.testing.assert_allclose(values, [0.01 * 6, 3.0], rtol=1e-6)


def test_input_shape_arguments_and_config_round_trip():
    layer = layers.Dense(2, input_shape=(3,), name="d_in")
    config = layer.get_config()
    assert config["batch_input_shape"] == [None, 3] and config["name"] == "d_in"
    assert layers.Dense(4, input_dim=5).get_config()["batch_input_shape"] == [None, 5]
    assert layers.Dense.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="input_dim must be a positive int; received 0"):
        layers.Dense(2, input_dim=0)
    with pytest.raises(ValueError, match="input_shape entries must be non-negative ints"):
        layers.Dense(2, input_shape=(-2,))


def test_constructor_and_call_errors():
    with pytest.raises(TypeError, match="Dense: unexpected keyword argument\\(s\\) 'unknown_arg'"):
        layers.Dense(2, unknown_arg=1)
    with pytest.raises(ValueError, match="layer name must be a non-empty string without '/'"):
        layers.Dense(2, name="a/b")
    with pytest.raises(TypeError, match="was called without inputs"):
        layers.Dense(2)()
    with pytest.raises(TypeError, match="received None as inputs"):
        layers.Dense(2)(None)
    with pytest.raises(ValueError, match='"one" \\(Dense\\) expects 1 input, but it received 2'):
        layers.Dense(2, name="one")([np.ones((1, 2)), np.ones((1, 2))])
    with pytest.raises(ValueError, match="expects inputs with at least one axis"):
        layers.Dense(2)(np.float32(1.0))
    with pytest.raises(TypeError, match="input_spec must be an instance of InputSpec"):
        layers.Dense(2).input_spec = "ndim=2"


def test_clear_session_resets_names():
    cf.backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"


@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.5), lambda: layers.SpatialDropout2D(0.5),
    lambda: layers.GaussianNoise(0.1), lambda: layers.GaussianDropout(0.1),
    lambda: layers.AlphaDropout(0.1), lambda: layers.ActivityRegularization(l1=0.1),
    lambda: layers.MaxPooling2D(), lambda: layers.AveragePooling1D(),
    lambda: layers.GlobalMaxPooling3D(), lambda: layers.GlobalAveragePooling1D(),
    lambda: layers.Activation("relu"), lambda: layers.ReLU(), lambda: layers.ELU(),
    lambda: layers.LeakyReLU(), lambda: layers.Softmax(), lambda: layers.Identity(),
    lambda: layers.Masking(), lambda: layers.UnitNormalization(),
    lambda: layers.Reshape((2, 3))])
def test_weightless_layers_are_built_at_construction(make):
    # as Keras 3: a layer with no weights to make is built once constructed ...
    layer = make()
    assert layer.built
    assert layer.weights == []

    # ... unless a subclass overrides build(), which must then run on the first call
    seen = []

    class Custom(type(layer)):
        def build(self, input_shape):
            seen.append(tuple(input_shape))

    cfg = layer.get_config()
    cfg.pop("name")
    custom = Custom(**cfg)
    if isinstance(layer, layers.Reshape):
        assert custom.built  # Keras's Reshape marks itself built whatever its class does
        return
    assert not custom.built
    shape = (2, 4, 4, 3) if isinstance(layer, layers.SpatialDropout2D) else \
        (2, 3, 6) if isinstance(layer, (layers.AveragePooling1D, layers.GlobalAveragePooling1D)) \
        else (2, 3, 4, 6, 5) if isinstance(layer, layers.GlobalMaxPooling3D) else (2, 4, 4, 3)
    custom(np.ones(shape, "float32"))
    assert custom.built and seen == [shape]


def test_a_plain_layer_subclass_is_not_built_at_construction():
    class Plain(layers.Layer):
        def call(self, x):
            return x

    layer = Plain()
    assert not layer.built
    layer(np.ones((1, 2), "float32"))
    assert layer.built
