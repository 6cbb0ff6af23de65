"""``Dropout``: identity outside training, scaled Bernoulli masks while training, noise_shape,
config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import round_trip
from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_dropout_training_only_and_scaling():
    cf.utils.set_random_seed(0)
    d = layers.Dropout(0.5)
    x = np.ones((1000, 10), dtype="float32")
    np.testing.assert_array_equal(d(x).numpy(), x)
    y = d(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6


def test_dropout_noise_shape_rate_one_and_config(device):
    cf.utils.set_random_seed(1)
    x = np.ones((4, 6, 3))
    y = run(layers.Dropout(0.5, noise_shape=(None, 1, 3)), x, device, training=True).numpy()
    np.testing.assert_array_equal(y, np.repeat(y[:, :1], 6, axis=1))  # one draw per (b, c)
    np.testing.assert_array_equal(run(layers.Dropout(1.0), x, device, training=True).numpy(), 0)
    clone = round_trip(layers.Dropout(0.3, noise_shape=(None, 1), seed=1))
    assert clone.noise_shape == (None, 1) and clone.seed == 1
    with pytest.raises(ValueError, match=r"Invalid value received for argument `rate`. "
                                         r"Expected a float value between 0 and 1. "
                                         r"Received: rate=1.5"):
        layers.Dropout(1.5)


def test_dropout_noise_shape_validation_as_keras():
    assert layers.Dropout(0.5, noise_shape=[20, 1, 10]).noise_shape == (20, 1, 10)
    assert layers.Dropout(0.5, noise_shape=(None, 1, None)).noise_shape == (None, 1, None)
    assert layers.Dropout(0.5, noise_shape=(np.int64(2), 1)).noise_shape == (2, 1)
    assert layers.Dropout(0.5).noise_shape is None
    head = r"Invalid value received for argument `noise_shape`. "
    with pytest.raises(ValueError, match=head + r"Expected a tuple or list of integers. "
                                                r"Received: noise_shape='bad'"):
        layers.Dropout(0.5, noise_shape="bad")
    with pytest.raises(ValueError, match=head + r"Expected an iterable of integers .*"
                                                r"Received: noise_shape=3"):
        layers.Dropout(0.5, noise_shape=3)
    with pytest.raises(ValueError, match=head + r"Expected all elements to be integers or None. "
                                                r"Received element at index 1: 1.5 "
                                                r"\(type: float\)"):
        layers.Dropout(0.5, noise_shape=(20, 1.5, 10))
    for bad in (0, -1):
        with pytest.raises(ValueError, match=head + r"Expected all dimensions to be positive "
                                                    rf"integers or None. Received negative or zero "
                                                    rf"value at index 1: {bad}"):
            layers.Dropout(0.5, noise_shape=(20, bad, 10))
    with pytest.raises(ValueError, match=r"Received: rate=-0.5"):
        layers.Dropout(-0.5)
    with pytest.raises(ValueError, match=r"Received: rate='0.5'"):
        layers.Dropout("0.5")
