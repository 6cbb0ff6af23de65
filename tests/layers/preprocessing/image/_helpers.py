"""Checks every image preprocessing layer goes through: identity unless training (random layers),
seeded draws, config round trips, central-difference gradients, the same values on every
device."""

from __future__ import annotations

import numpy as np

from cuflow import Tensor
from cuflow.testing import check_gradients


def run(layer, x, **kwargs):
    return np.asarray(layer(Tensor(x), **kwargs).numpy())


def check_pass_through_unless_training(make, images):
    layer = make()
    np.testing.assert_array_equal(run(layer, images), images)
    np.testing.assert_array_equal(run(layer, images, training=False), images)
    out = run(layer, images, training=True)
    assert out.shape == images.shape and not np.array_equal(out, images)


def check_seeded(make, images):
    np.testing.assert_array_equal(run(make(), images, training=True),
                                  run(make(), images, training=True))


def check_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def check_central_differences(make):
    x = np.random.default_rng(0).random((2, 4, 4, 2))
    check_gradients(lambda t: make()(t, training=True), [x])


def check_every_device_matches_numpy(device, make, images):
    # the same seed draws the same parameters on the host, so devices must agree
    expected = run(make(), images, training=True)
    out = make()(Tensor(images, device=device), training=True)
    assert out.device == Tensor(images, device=device).device
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-3)
