"""cuflow.applications.inception_v3: InceptionV3 against Keras's count and names, and its
pooled heads at the smallest input (75x75)."""

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
    pytest.param(apps.InceptionV3, {}, 23_851_784, ['mixed0', 'mixed3', 'mixed7', 'mixed8',
                                                    'mixed9_0', 'mixed9_1', 'mixed10', 'avg_pool',
                                                    'predictions'],
                 'inception_v3', 299, None, id='InceptionV3'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_pooling_heads_forward(pooling):
    check_tiny_forward(apps.InceptionV3, {}, 2048, size=75, pooling=pooling)
