"""cuflow.applications.resnet: ResNet50/101/152 against Keras's counts and names, heads,
argument checks, weight file names and the caffe preprocessing."""

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
    pytest.param(apps.ResNet50, {}, 25_636_712, ['conv1_pad', 'conv1_conv', 'conv1_bn',
                                                 'conv1_relu', 'pool1_pad', 'pool1_pool',
                                                 'conv2_block1_0_conv', 'conv2_block1_1_conv',
                                                 'conv2_block1_3_bn', 'conv2_block1_add',
                                                 'conv2_block1_out', 'conv3_block4_out',
                                                 'conv4_block6_out', 'conv5_block3_out',
                                                 'avg_pool', 'predictions'],
                 'resnet50', 224, None, id='ResNet50'),
    pytest.param(apps.ResNet101, {}, 44_707_176, ['conv1_conv', 'conv4_block23_out',
                                                  'conv5_block3_add', 'avg_pool'],
                 'resnet101', 224, None, id='ResNet101'),
    pytest.param(apps.ResNet152, {}, 60_419_944, ['conv3_block8_out', 'conv4_block36_out'],
                 'resnet152', 224, None, id='ResNet152', marks=slow),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_pooling_heads_forward(pooling):
    check_tiny_forward(apps.ResNet50, {}, 2048, size=32, pooling=pooling)


def test_shared_argument_errors():
    check_argument_errors(apps.ResNet101)


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.ResNet101, {},
     'tensorflow/keras-applications/resnet/resnet101_weights_tf_dim_ordering_tf_kernels.h5'),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    check_missing_weights(tmp_path, monkeypatch, build, kwargs, url)


def test_preprocess_is_caffe_mode():
    x = np.full((1, 2, 2, 3), 255.0, np.float32)
    np.testing.assert_allclose(apps.resnet.preprocess_input(x)[..., 0], 255.0 - 103.939,
                               rtol=1e-6)
