"""``CenterCrop``: the central window, smaller inputs resized up, shapes, config, gradients,
devices."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import (
    CenterCrop,
)

from ._helpers import (
    check_central_differences,
    check_config_round_trip,
    check_every_device_matches_numpy,
    run,
)

R = np.random.default_rng(7)


LAYERS = [
    lambda: CenterCrop(2, 3, data_format="channels_first"),
    lambda: CenterCrop(2, 3),
]


@pytest.mark.parametrize("make", LAYERS)
def test_config_round_trip(make):
    check_config_round_trip(make)


@pytest.mark.parametrize("make", LAYERS)
def test_gradients_match_central_differences(make):
    check_central_differences(make)


@pytest.mark.parametrize("make", LAYERS)
def test_every_device_matches_numpy(device, make, images):
    check_every_device_matches_numpy(device, make, images)


def test_center_crop(images):
    x = np.arange(2 * 5 * 6 * 1, dtype=np.float32).reshape(2, 5, 6, 1)
    np.testing.assert_array_equal(run(CenterCrop(3, 2), x), x[:, 1:4, 2:4])
    assert run(CenterCrop(8, 8), x).shape == (2, 8, 8, 1)  # smaller input: resized up
    assert CenterCrop(3, 2).compute_output_shape((None, 5, 6, 1)) == (None, 3, 2, 1)


def test_center_crop_errors():
    with pytest.raises(ValueError, match="CenterCrop: height must be a positive int; received 0"):
        CenterCrop(0, 2)
