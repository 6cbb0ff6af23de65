"""``RandomContrast``: scaling about the per-image, per-channel mean by one factor per image,
clipping; identity unless training, seeds, config, gradients, devices."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import (
    RandomContrast,
)

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
    lambda: RandomContrast(0.5, seed=1),
    lambda: RandomContrast((0.3, 0.3), value_range=(-100, 100), seed=5),
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


def test_contrast_factor_errors():
    with pytest.raises(ValueError, match="RandomContrast: factor must be a number or a pair"):
        RandomContrast([0.1, 0.2, 0.3])
