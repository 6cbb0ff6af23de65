"""cuflow.applications.densenet: DenseNet121/169/201 against Keras's counts and names, a
forward pass, the feature-map head, argument and ImageNet checks, weight file names, torch
preprocessing."""

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
    pytest.param(apps.DenseNet121, {}, 8_062_504, ['conv1_conv', 'conv1_bn', 'pool1',
                                                   'conv2_block1_0_bn', 'conv2_block6_concat',
                                                   'pool2_conv', 'pool2_pool',
                                                   'conv5_block16_concat', 'bn', 'relu',
                                                   'avg_pool', 'predictions'],
                 'densenet121', 224, 606, id='DenseNet121'),
    pytest.param(apps.DenseNet169, {}, 14_307_880, ['conv5_block32_concat'],
                 'densenet169', 224, None, id='DenseNet169', marks=slow),
    pytest.param(apps.DenseNet201, {}, 20_242_984, ['conv4_block48_concat'],
                 'densenet201', 224, None, id='DenseNet201', marks=slow),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


FORWARD = [  # one per block variant, at the smallest size it takes
    (apps.DenseNet121, {}, 1024),
]


@pytest.mark.parametrize("build, kwargs, features", FORWARD, ids=[1024])
def test_tiny_forward_pass(build, kwargs, features):
    check_tiny_forward(build, kwargs, features)


def test_shared_argument_errors():
    check_argument_errors(apps.DenseNet121)


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.DenseNet201, {'include_top': False},
     'tensorflow/keras-applications/densenet/'
     'densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5'),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    check_missing_weights(tmp_path, monkeypatch, build, kwargs, url)


def test_feature_map_head():
    model = apps.DenseNet121(weights=None, include_top=False, input_shape=(64, 64, 3))
    assert model.output.shape == (None, 2, 2, 1024)


def test_a_custom_block_list_has_no_imagenet_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="no ImageNet weights"):
        apps.densenet.DenseNet([2, 2, 2, 2], weights="imagenet")


def test_preprocess_is_torch_mode_and_decode_is_shared():
    x = np.full((1, 2, 2, 3), 255.0, np.float32)
    np.testing.assert_allclose(apps.densenet.preprocess_input(x)[..., 0],
                               (1 - 0.485) / 0.229, rtol=1e-5)
    assert apps.densenet.decode_predictions is apps.imagenet_utils.decode_predictions
