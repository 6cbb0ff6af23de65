"""cuflow.applications.mobilenet: MobileNet (v1) against Keras's count and names, forward
passes with alpha / depth_multiplier, argument and ImageNet rules, weight file names."""

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
    pytest.param(apps.MobileNet, {}, 4_253_864, ['conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1',
                                                 'conv_pw_1_relu', 'conv_pad_2', 'conv_dw_13_bn',
                                                 'dropout', 'conv_preds', 'reshape_2',
                                                 'predictions'],
                 'mobilenet_1.00_224', 224, None, id='MobileNet'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


FORWARD = [  # one per block variant, at the smallest size it takes
    (apps.MobileNet, {}, 1024),
    (apps.MobileNet, {'alpha': 0.25, 'depth_multiplier': 2}, 256),
]


@pytest.mark.parametrize("build, kwargs, features", FORWARD, ids=[1024, 256])
def test_tiny_forward_pass(build, kwargs, features):
    check_tiny_forward(build, kwargs, features)


def test_shared_argument_errors():
    check_argument_errors(apps.MobileNet)


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.MobileNet, {'input_shape': (160, 160, 3), 'include_top': False, 'alpha': 0.5},
     'tensorflow/keras-applications/mobilenet/mobilenet_5_0_160_tf_no_top.h5'),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    check_missing_weights(tmp_path, monkeypatch, build, kwargs, url)


def test_imagenet_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="depth_multiplier must be 1"):
        apps.MobileNet(weights="imagenet", depth_multiplier=2, include_top=False)
    with pytest.raises(ValueError, match="alpha must be one of"):
        apps.MobileNet(weights="imagenet", alpha=0.6, include_top=False)
    with pytest.warns(UserWarning, match=r"\(224, 224\)"), \
            pytest.raises(FileNotFoundError, match="mobilenet_1_0_224_tf_no_top"):
        apps.MobileNet(weights="imagenet", include_top=False, input_shape=(100, 100, 3))


def test_preprocess_is_tf_mode():
    x = np.full((1, 2, 2, 3), 255.0, np.float32)
    np.testing.assert_allclose(apps.mobilenet.preprocess_input(x), 1.0)
