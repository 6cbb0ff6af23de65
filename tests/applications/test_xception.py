"""cuflow.applications.xception: Xception against Keras's count and names, and its pooled
heads at the smallest input (71x71)."""

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
    pytest.param(apps.Xception, {}, 22_910_480, ['block1_conv1', 'block1_conv1_bn',
                                                 'block1_conv1_act', 'block2_sepconv1',
                                                 'block2_pool', 'block5_sepconv1_act',
                                                 'block12_sepconv3_bn', 'block13_pool',
                                                 'block14_sepconv2_act', 'avg_pool', 'predictions'],
                 'xception', 299, None, id='Xception'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_pooling_heads_forward(pooling):
    check_tiny_forward(apps.Xception, {}, 2048, size=71, pooling=pooling)
