"""``RandomFlip``: exact flips in every mode, identity unless training, seeds, config, gradients,
devices."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import (
    RandomFlip,
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
    lambda: RandomFlip(seed=1),
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


def test_flip_modes_are_exact(images):
    out = run(RandomFlip("horizontal", seed=0), np.repeat(images[:1], 16, 0), training=True)
    for o in out:
        assert np.array_equal(o, images[0]) or np.array_equal(o, images[0][:, ::-1])
    out = run(RandomFlip("vertical", seed=0), np.repeat(images[:1], 16, 0), training=True)
    assert any(np.array_equal(o, images[0][::-1]) for o in out)
    with pytest.raises(ValueError, match="mode"):
        RandomFlip("diagonal")
