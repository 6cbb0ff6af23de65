"""Conv1D / Conv2D / Conv3D: outputs against the nested-loop reference, Keras defaults and the
``Convolution*`` aliases."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as C

from ...ops import _conv_reference as ref
from ._helpers import build, with_weights

R = np.random.default_rng(5)


def test_conv2d_layer_matches_reference(device):
    with cf.device(device):
        layer = build(C.Conv2D(4, 3, strides=2, padding="same", activation="relu",
                               dtype="float64"), (2, 7, 6, 3))
        k, b = R.normal(size=(3, 3, 3, 4)), R.normal(size=4)
        with_weights(layer, k, b)
        x = R.normal(size=(2, 7, 6, 3))
        y = layer(cf.Tensor(x))
    want = np.maximum(ref.conv(x, k, (2, 2), "same", (1, 1)) + b, 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)
    assert y.shape == layer.compute_output_shape((2, 7, 6, 3))


@pytest.mark.parametrize("make,shape,strides,padding,dils", [
    (lambda: C.Conv1D(3, 3, padding="causal", dilation_rate=2, dtype="float64"), (2, 7, 2),
     (1,), "causal", (2,)),
    (lambda: C.Conv3D(2, 2, strides=(1, 2, 1), dtype="float64"), (1, 3, 4, 3, 2), (1, 2, 1),
     "valid", (1, 1, 1)),
    (lambda: C.Conv2D(4, (2, 3), groups=2, padding="same", dtype="float64"), (2, 4, 5, 2),
     (1, 1), "same", (1, 1)),
])
def test_conv_ranks_match_reference(device, make, shape, strides, padding, dils):
    with cf.device(device):
        layer = build(make(), shape)
        k, b = R.normal(size=layer.kernel.shape), R.normal(size=layer.bias.shape)
        with_weights(layer, k, b)
        x = R.normal(size=shape)
        y = layer(cf.Tensor(x))
    want = ref.conv(x, k, strides, padding, dils, groups=layer.groups) + b
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10, atol=1e-10)


def test_keras_defaults_and_aliases():
    c = C.Conv2D(4, 3).get_config()
    assert (c["strides"], c["padding"], c["dilation_rate"], c["groups"], c["data_format"],
            c["use_bias"], c["activation"]) == ((1, 1), "valid", (1, 1), 1, "channels_last",
                                                True, "linear")
    assert C.Convolution1D is C.Conv1D and C.Convolution2D is C.Conv2D
    assert C.Convolution3D is C.Conv3D


@pytest.mark.parametrize("cls,shape", [(C.Conv1D, (2, 5, 4)), (C.Conv2D, (2, 5, 5, 4)),
                                       (C.Conv3D, (2, 4, 4, 4, 4))])
def test_lora_merges_a_rank_update_into_the_frozen_kernel(cls, shape):
    layer = cls(6, 2, groups=2)
    layer.build(shape)
    base = layer.kernel.numpy().copy()
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    before = layer(x).numpy()
    layer.enable_lora(2, lora_alpha=3.0)
    assert [w.name.split("/")[-1] for w in layer.trainable_weights] == [
        "bias", "lora_kernel_a", "lora_kernel_b"]
    assert [w.name.split("/")[-1] for w in layer.non_trainable_weights] == ["kernel"]
    assert layer.lora_kernel_a.shape == base.shape[:-1] + (2,)
    assert layer.lora_kernel_b.shape == (2, 6) and layer.lora_kernel_a.dtype == "float32"
    np.testing.assert_allclose(layer(x).numpy(), before, rtol=1e-6)  # B starts at zero
    a = np.full(layer.lora_kernel_a.shape, 0.1, "float32")
    b = np.full((2, 6), 0.2, "float32")
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(b)
    merged = base + 1.5 * (a.reshape(-1, 2) @ b).reshape(base.shape)
    np.testing.assert_allclose(layer.kernel.numpy(), merged, rtol=1e-6)
    plain = cls(6, 2, groups=2)
    plain.build(shape)
    plain.set_weights([merged, layer.bias.numpy()])
    np.testing.assert_allclose(layer(x).numpy(), plain(x).numpy(), rtol=1e-5, atol=1e-6)
    store = {}
    layer.save_own_variables(store)  # Keras's store: the merged kernel, then the bias
    np.testing.assert_allclose(store["0"], merged, rtol=1e-6)
    fresh = cls(6, 2, groups=2)
    fresh.build(shape)
    fresh.load_own_variables(store)
    np.testing.assert_allclose(fresh(x).numpy(), plain(x).numpy(), rtol=1e-5, atol=1e-6)
    layer.load_own_variables(store)  # into a LoRA layer: the factors restart at zero
    np.testing.assert_array_equal(layer.lora_kernel_b.numpy(), 0.0)


def test_lora_trains_the_factors_and_round_trips_its_config():
    layer = C.Conv2D(4, 3, lora_rank=2)
    layer.build((None, 5, 5, 3))
    assert layer.lora_enabled and layer.get_config()["lora_alpha"] == 2
    assert C.Conv2D.from_config(layer.get_config()).lora_rank == 2
    with cf.GradientTape() as tape:
        out = cf.ops.sum(layer(np.ones((1, 5, 5, 3), "float32")))
    grads = tape.gradient(out, [layer.lora_kernel_a, layer.lora_kernel_b])
    assert np.abs(grads[1].numpy()).max() > 0  # B learns first (A's gradient has B = 0)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)
    with pytest.raises(ValueError, match="isn't yet built"):
        C.Conv2D(4, 3).enable_lora(2)
    constrained = C.Conv2D(4, 3, kernel_constraint="max_norm")
    constrained.build((None, 5, 5, 3))
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        constrained.enable_lora(2)
    with pytest.raises(AttributeError, match="must build the layer"):
        C.Conv2D(4, 3).kernel  # noqa: B018
