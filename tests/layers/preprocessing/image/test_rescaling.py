"""``Rescaling``: ``x * scale + offset`` (per channel too), integer inputs cast to float, config,
gradients, devices."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import (
    Rescaling,
)

from ._helpers import (
    check_central_differences,
    check_config_round_trip,
    check_every_device_matches_numpy,
)

R = np.random.default_rng(7)


LAYERS = [
    lambda: Rescaling(0.5, 1.0),
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


def test_rescaling_values_and_int_input():
    x = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    out = Rescaling(1 / 127.5, offset=-1)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x / 127.5 - 1, rtol=1e-6)
    per_channel = Rescaling([1.0, 2.0, 3.0])(x.astype(np.float32)).numpy()
    np.testing.assert_allclose(per_channel, x * np.array([1, 2, 3]), rtol=1e-6)
