"""cuflow.applications.vgg19: Keras's counts and names, and its pooled heads."""

from __future__ import annotations

import pytest

from cuflow import applications as apps

from ._checks import (
    check_full_size,
    check_tiny_forward,
)

slow = pytest.mark.slow

# Keras's count_params(), layer names at known places, model name, default size, len(weights)
FULL_SIZE = [
    pytest.param(apps.VGG19, {}, 143_667_240, ['block3_conv4', 'block4_conv4', 'block5_conv4',
                                               'fc1', 'fc2', 'predictions'],
                 'vgg19', 224, None, id='VGG19'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_pooling_heads_forward(pooling):
    check_tiny_forward(apps.VGG19, {}, 512, size=32, pooling=pooling)
