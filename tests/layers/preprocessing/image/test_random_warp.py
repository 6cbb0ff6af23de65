"""RandomRotation, RandomTranslation, RandomZoom: exact quarter / half turns, whole-pixel shifts
in every fill mode, zoom about the centre; identity unless training, seeds, config, gradients,
devices, and use inside a model."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import (
    Dense,
    Flatten,
    Input,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from cuflow.models import Model

from ._helpers import (
    check_central_differences,
    check_config_round_trip,
    check_every_device_matches_numpy,
    check_pass_through_unless_training,
    check_seeded,
    run,
)

R = np.random.default_rng(7)


LAYERS = [
    lambda: RandomRotation(0.2, seed=1),
    lambda: RandomTranslation(0.2, 0.3, seed=1),
    lambda: RandomZoom(0.3, seed=1),
    lambda: RandomRotation((0.1, 0.1), fill_mode="reflect"),
    lambda: RandomTranslation((0.1, 0.1), (0.2, 0.2), fill_mode="constant", fill_value=1.0),
]


@pytest.mark.parametrize("make", LAYERS)
def test_pass_through_unless_training(make, images):
    check_pass_through_unless_training(make, images)


@pytest.mark.parametrize("make", LAYERS)
def test_seeded(make, images):
    check_seeded(make, images)


@pytest.mark.parametrize("make", LAYERS)
def test_config_round_trip(make):
    check_config_round_trip(make)


@pytest.mark.parametrize("make", LAYERS)
def test_gradients_match_central_differences(make):
    check_central_differences(make)


@pytest.mark.parametrize("make", LAYERS)
def test_every_device_matches_numpy(device, make, images):
    check_every_device_matches_numpy(device, make, images)


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


def test_warp_argument_errors():
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"RandomTranslation: factors must lie in \[-1, 1\]"):
        RandomTranslation((0.5, 1.5), 0.1)


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
