"""cuflow.applications.resnet_v2: ResNet50V2/101V2/152V2 against Keras's counts and names,
a forward pass, argument checks, weight file names and the tf preprocessing."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import applications as apps

from ._checks import (
    check_argument_errors,
    check_full_size,
    check_missing_weights,
    check_tiny_forward,
)

slow = pytest.mark.slow

# Keras's count_params(), layer names at known places, model name, default size, len(weights)
FULL_SIZE = [
    pytest.param(apps.ResNet50V2, {}, 25_613_800, ['conv2_block1_preact_bn', 'conv2_block1_0_conv',
                                                   'conv2_block3_2_pad', 'conv4_block6_out',
                                                   'post_bn', 'post_relu', 'avg_pool',
                                                   'predictions'],
                 'resnet50v2', 224, None, id='ResNet50V2'),
    pytest.param(apps.ResNet101V2, {}, 44_675_560, ['conv4_block23_out', 'post_relu'],
                 'resnet101v2', 224, None, id='ResNet101V2', marks=slow),
    pytest.param(apps.ResNet152V2, {}, 60_380_648, ['conv4_block36_out', 'post_relu'],
                 'resnet152v2', 224, None, id='ResNet152V2', marks=slow),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


FORWARD = [  # one per block variant, at the smallest size it takes
    (apps.ResNet50V2, {}, 2048),
]


@pytest.mark.parametrize("build, kwargs, features", FORWARD, ids=[2048])
def test_tiny_forward_pass(build, kwargs, features):
    check_tiny_forward(build, kwargs, features)


def test_shared_argument_errors():
    check_argument_errors(apps.ResNet50V2)


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.ResNet152V2, {'include_top': False},
     'tensorflow/keras-applications/resnet/'
     'resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5'),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    check_missing_weights(tmp_path, monkeypatch, build, kwargs, url)


def test_preprocess_is_tf_mode():
    x = np.full((1, 2, 2, 3), 255.0, np.float32)
    np.testing.assert_allclose(apps.resnet_v2.preprocess_input(x), 1.0)
