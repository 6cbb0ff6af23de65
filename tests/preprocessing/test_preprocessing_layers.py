"""Preprocessing layers: values, inference passthrough, configs, gradients, use in models."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import Tensor
from cuflow.layers import Dense, Flatten, Input
from cuflow.models import Model
from cuflow.ops.image import upsample
from cuflow.preprocessing.layers import (
    CenterCrop,
    Normalization,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from cuflow.testing import check_gradients

RANDOM_LAYERS = [
    lambda: RandomFlip(seed=1),
    lambda: RandomRotation(0.2, seed=1),
    lambda: RandomTranslation(0.2, 0.3, seed=1),
    lambda: RandomZoom(0.3, seed=1),
    lambda: RandomContrast(0.5, seed=1),
]


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(0, 255, (3, 6, 6, 2)).astype(np.float32)


def run(layer, x, **kwargs):
    return np.asarray(layer(Tensor(x), **kwargs).numpy())


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_pass_through_unless_training(make, images):
    layer = make()
    np.testing.assert_array_equal(run(layer, images), images)
    np.testing.assert_array_equal(run(layer, images, training=False), images)
    out = run(layer, images, training=True)
    assert out.shape == images.shape and not np.array_equal(out, images)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_are_seeded(make, images):
    np.testing.assert_array_equal(run(make(), images, training=True),
                                  run(make(), images, training=True))


@pytest.mark.parametrize("make", RANDOM_LAYERS + [
    lambda: Rescaling(0.5, 1.0), lambda: Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]),
    lambda: Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True),
    lambda: CenterCrop(2, 3, data_format="channels_first")])
def test_get_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_rescaling_values_and_int_input():
    x = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    out = Rescaling(1 / 127.5, offset=-1)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x / 127.5 - 1, rtol=1e-6)
    per_channel = Rescaling([1.0, 2.0, 3.0])(x.astype(np.float32)).numpy()
    np.testing.assert_allclose(per_channel, x * np.array([1, 2, 3]), rtol=1e-6)


def test_normalization_with_given_statistics(images):
    layer = Normalization(mean=[10.0, 20.0], variance=[4.0, 16.0])
    np.testing.assert_allclose(run(layer, images), (images - [10, 20]) / [2, 4], rtol=1e-5)
    inverse = Normalization(mean=[10.0, 20.0], variance=[4.0, 16.0], invert=True)
    np.testing.assert_allclose(run(inverse, run(layer, images)), images, rtol=1e-5)
    assert layer.weights == []


def test_normalization_adapt_matches_numpy(images):
    layer = Normalization()
    layer.adapt(images)
    np.testing.assert_allclose(layer.mean.numpy(), images.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), images.var(axis=(0, 1, 2)), rtol=1e-4)
    out = run(layer, images)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    assert [w.trainable for w in layer.weights] == [False, False, False]
    assert layer.count_params() == 5  # mean, variance and Keras's sample count
    assert layer.count.numpy().sum() == images.shape[0] * images.shape[1] * images.shape[2]


def test_normalization_adapt_merges_batches_exactly():
    data = np.random.default_rng(3).normal(5, 2, (50, 4)).astype(np.float64)
    whole, batched = Normalization(), Normalization()
    whole.adapt(data)
    batched.adapt(iter([data[:7], data[7:30], data[30:]]))
    np.testing.assert_allclose(batched.mean.numpy(), whole.mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(batched.variance.numpy(), whole.variance.numpy(), rtol=1e-5)


def test_normalization_axis_none_and_errors():
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    layer = Normalization(axis=None)
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.numpy(), data.mean(), rtol=1e-6)
    with pytest.raises(ValueError, match="both"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(data)


def test_flip_modes_are_exact(images):
    out = run(RandomFlip("horizontal", seed=0), np.repeat(images[:1], 16, 0), training=True)
    for o in out:
        assert np.array_equal(o, images[0]) or np.array_equal(o, images[0][:, ::-1])
    out = run(RandomFlip("vertical", seed=0), np.repeat(images[:1], 16, 0), training=True)
    assert any(np.array_equal(o, images[0][::-1]) for o in out)
    with pytest.raises(ValueError, match="mode"):
        RandomFlip("diagonal")


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_quarter_and_half_turns(images, interpolation):
    quarter = RandomRotation((0.25, 0.25), interpolation=interpolation)
    np.testing.assert_allclose(run(quarter, images, training=True),
                               np.rot90(images, 1, axes=(1, 2)), atol=1e-3)
    half = RandomRotation((-0.5, -0.5), interpolation=interpolation)
    np.testing.assert_allclose(run(half, images, training=True), images[:, ::-1, ::-1],
                               atol=1e-3)


@pytest.mark.parametrize("fill_mode, np_mode", [("reflect", "symmetric"), ("wrap", "wrap"),
                                                 ("nearest", "edge"), ("constant", "constant")])
def test_translation_by_whole_pixels(images, fill_mode, np_mode):
    # height_factor 1/3 of 6 rows: 2 rows down; width_factor -1/6: 1 column left
    layer = RandomTranslation((1 / 3, 1 / 3), (-1 / 6, -1 / 6), fill_mode=fill_mode,
                              fill_value=-7.0)
    kw = {"constant_values": -7.0} if fill_mode == "constant" else {}
    padded = np.pad(images, ((0, 0), (2, 2), (1, 1), (0, 0)), mode=np_mode, **kw)
    expected = padded[:, 0:6, 2:8]
    np.testing.assert_allclose(run(layer, images, training=True), expected, atol=1e-3)


def test_zoom_out_about_the_centre():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    out = run(RandomZoom((1.0, 1.0), fill_mode="constant", fill_value=-1.0), x, training=True)
    expected = np.full((5, 5), -1.0, np.float32)
    expected[1:4, 1:4] = x[0, 0:5:2, 0:5:2, 0]
    np.testing.assert_allclose(out[0, ..., 0], expected, atol=1e-4)


def test_contrast_scales_around_the_per_channel_mean(images):
    out = run(RandomContrast((0.5, 0.5), value_range=(-1e9, 1e9), seed=2), images,
              training=True)
    mean = images.mean(axis=(1, 2), keepdims=True)
    d_in, d_out = images - mean, out - mean
    factors = (d_out * d_in).sum(axis=(1, 2)) / (d_in * d_in).sum(axis=(1, 2))  # (B, C)
    np.testing.assert_allclose(d_out, d_in * factors[:, None, None, :], rtol=1e-3, atol=1e-2)
    np.testing.assert_allclose(factors[:, 0], factors[:, 1], rtol=1e-5)  # one factor per image
    assert ((factors >= 0.5 - 1e-5) & (factors <= 1.5 + 1e-5)).all()
    clipped = run(RandomContrast(1.0, seed=2), images * 10, training=True)
    assert clipped.min() >= 0 and clipped.max() <= 255


def test_resizing_downscale_averages_and_upscale_repeats():
    x = np.random.default_rng(0).random((2, 4, 6, 3)).astype(np.float32)
    down = run(Resizing(2, 3), x)
    np.testing.assert_allclose(down, x.reshape(2, 2, 2, 3, 2, 3).mean(axis=(2, 4)), rtol=1e-5)
    up = run(Resizing(8, 12, interpolation="nearest"), x)
    np.testing.assert_array_equal(up, x.repeat(2, axis=1).repeat(2, axis=2))
    area = run(Resizing(2, 3, interpolation="area"), x)
    np.testing.assert_allclose(area, down, rtol=1e-5)


def test_resizing_bilinear_upscale_matches_upsample_op():
    x = np.random.default_rng(1).random((1, 3, 5, 2)).astype(np.float32)
    ref = upsample(Tensor(x), (2, 2), interpolation="bilinear").numpy()
    np.testing.assert_allclose(run(Resizing(6, 10), x), ref, rtol=1e-5, atol=1e-6)


def test_resizing_crop_and_pad_to_aspect_ratio():
    x = np.random.default_rng(0).random((1, 4, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(run(Resizing(4, 4, crop_to_aspect_ratio=True), x),
                               x[:, :, 2:6], rtol=1e-6)
    padded = run(Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0,
                          interpolation="nearest"), x)
    np.testing.assert_array_equal(padded[0, 2:6, :, 0], x[0, :, :, 0])
    assert (padded[0, :2] == -1).all() and (padded[0, 6:] == -1).all()


def test_resizing_shapes_formats_and_unbatched_input():
    assert Resizing(5, 7).compute_output_shape((None, 3, 3, 4)) == (None, 5, 7, 4)
    chw = np.zeros((2, 3, 4, 4), np.float32)
    assert run(Resizing(2, 5, data_format="channels_first"), chw).shape == (2, 3, 2, 5)
    assert run(Resizing(2, 5), np.zeros((4, 4, 3), np.float32)).shape == (2, 5, 3)
    with pytest.raises(ValueError, match="interpolation"):
        Resizing(2, 2, interpolation="lanczos9")
    with pytest.raises(ValueError, match="rank"):
        Resizing(2, 2)(np.zeros((4, 4), np.float32))


def test_center_crop(images):
    x = np.arange(2 * 5 * 6 * 1, dtype=np.float32).reshape(2, 5, 6, 1)
    np.testing.assert_array_equal(run(CenterCrop(3, 2), x), x[:, 1:4, 2:4])
    assert run(CenterCrop(8, 8), x).shape == (2, 8, 8, 1)  # smaller input: resized up
    assert CenterCrop(3, 2).compute_output_shape((None, 5, 6, 1)) == (None, 3, 2, 1)


@pytest.mark.parametrize("make", [
    lambda: Rescaling(0.5, 1.0),
    lambda: Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]),
    lambda: Resizing(3, 5),
    lambda: Resizing(2, 2, interpolation="bicubic"),
    lambda: CenterCrop(2, 3),
    lambda: RandomRotation((0.1, 0.1), fill_mode="reflect"),
    lambda: RandomTranslation((0.1, 0.1), (0.2, 0.2), fill_mode="constant", fill_value=1.0),
    lambda: RandomFlip(seed=5),
    lambda: RandomContrast((0.3, 0.3), value_range=(-100, 100), seed=5),
])
def test_gradients_match_central_differences(make):
    x = np.random.default_rng(0).random((2, 4, 4, 2))
    check_gradients(lambda t: make()(t, training=True), [x])


def test_layers_inside_a_model_fit_and_predict():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (8, 8, 8, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 8)]
    inp = Input(shape=(8, 8, 3))
    h = Rescaling(1 / 255)(inp)
    h = RandomFlip("horizontal", seed=0)(h)
    h = RandomRotation(0.1, seed=0)(h)
    h = Resizing(4, 4)(h)
    out = Dense(2, activation="softmax")(Flatten()(h))
    model = Model(inp, out)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    a = model.predict(x, verbose=0)
    b = model.predict(x, verbose=0)
    np.testing.assert_array_equal(a, b)  # inference: no augmentation


@pytest.mark.parametrize("make", RANDOM_LAYERS + [
    lambda: Rescaling(0.5, 1.0), lambda: Resizing(3, 5), lambda: CenterCrop(2, 3),
    lambda: Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])])
def test_every_device_matches_numpy(device, make, images):
    # the same seed draws the same parameters on the host, so devices must agree
    expected = run(make(), images, training=True)
    out = make()(Tensor(images, device=device), training=True)
    assert out.device == Tensor(images, device=device).device
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-3)
