"""cuflow.applications.resnet50: keras.applications.resnet50's names, which are resnet's."""

from __future__ import annotations

import numpy as np

from cuflow import applications as apps
from cuflow.applications import resnet, resnet50


def test_the_module_names_resnets_builder_and_helpers():
    assert resnet50.ResNet50 is resnet.ResNet50 is apps.ResNet50
    assert resnet50.preprocess_input is resnet.preprocess_input
    assert resnet50.decode_predictions is apps.imagenet_utils.decode_predictions
    assert sorted(resnet50.__all__) == ["ResNet50", "decode_predictions", "preprocess_input"]


def test_preprocess_flips_to_bgr_and_subtracts_the_imagenet_mean():
    x = np.array([[[[10.0, 20.0, 30.0]]]], np.float32)
    np.testing.assert_allclose(resnet50.preprocess_input(x),
                               [[[[30 - 103.939, 20 - 116.779, 10 - 123.68]]]], rtol=1e-5)


def test_headless_model_maps_32x32_to_a_2048_feature_map():
    model = resnet50.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert model.output.shape == (None, 1, 1, 2048) and model.name == "resnet50"
