"""``Normalization``: given statistics (and their inverse), adapt against NumPy, exactly merged
batches, axis=None, config, gradients, devices, errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import (
    Normalization,
)

from ._helpers import (
    check_central_differences,
    check_config_round_trip,
    check_every_device_matches_numpy,
    run,
)

R = np.random.default_rng(7)


LAYERS = [
    lambda: Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]),
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
