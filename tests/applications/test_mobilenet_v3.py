"""cuflow.applications.mobilenet_v3: MobileNetV3Small/Large against Keras's counts and names,
forward passes, the convolutional top, ImageNet rules and files, config and file round trips."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import applications as apps
from cuflow.models import load_model

from ._checks import (
    check_argument_errors,
    check_full_size,
    check_missing_weights,
    check_tiny_forward,
)

slow = pytest.mark.slow

# Keras's count_params(), layer names at known places, model name, default size, len(weights)
FULL_SIZE = [
    pytest.param(apps.MobileNetV3Small, {}, 2_554_968, ['conv', 'conv_bn',
                                                        'expanded_conv_depthwise_pad',
                                                        'expanded_conv_squeeze_excite_avg_pool',
                                                        'expanded_conv_squeeze_excite_mul',
                                                        'expanded_conv_1_expand',
                                                        'expanded_conv_10_add', 'conv_1',
                                                        'conv_1_bn', 'conv_2', 'logits',
                                                        'predictions'],
                 'MobileNetV3Small', None, 210, id='MobileNetV3Small'),
    pytest.param(apps.MobileNetV3Large, {}, 5_507_432, ['expanded_conv_project',
                                                        'expanded_conv_14_add', 'conv_2', 'logits'],
                 'MobileNetV3Large', None, 266, id='MobileNetV3Large'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


FORWARD = [  # one per block variant, at the smallest size it takes
    (apps.MobileNetV3Small, {}, 576),
    (apps.MobileNetV3Large, {'minimalistic': True, 'alpha': 0.75}, 720),
]


@pytest.mark.parametrize("build, kwargs, features", FORWARD, ids=[576, 720])
def test_tiny_forward_pass(build, kwargs, features):
    check_tiny_forward(build, kwargs, features)


def test_shared_argument_errors():
    check_argument_errors(apps.MobileNetV3Small)


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.MobileNetV3Large, {'input_shape': (224, 224, 3)},
     'tensorflow/keras-applications/mobilenet_v3/weights_mobilenet_v3_large_224_1.0_float.h5'),
    (apps.MobileNetV3Small,
     {'include_top': False, 'minimalistic': True, 'input_shape': (224, 224, 3)},
     'tensorflow/keras-applications/mobilenet_v3/'
     'weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5'),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    check_missing_weights(tmp_path, monkeypatch, build, kwargs, url)


def test_max_pooling_head():
    model = apps.MobileNetV3Small(weights=None, include_top=False, input_shape=(64, 64, 3),
                                  pooling="max")
    assert model.output.shape == (None, 576)
    assert model.layers[-1].name == "max_pool"


def test_imagenet_alpha_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="alpha must be 0.75 or 1.0"):
        apps.MobileNetV3Small(weights="imagenet", alpha=0.75, minimalistic=True)


def test_preprocess_is_the_identity():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    assert apps.mobilenet_v3.preprocess_input(x) is x


def test_mobilenet_v3_convolutional_top_takes_any_size_and_no_preprocessing():
    model = apps.MobileNetV3Small(weights=None, input_shape=(48, 48, 3), classes=3,
                                  classifier_activation=None, include_preprocessing=False)
    from cuflow.layers import Rescaling

    assert not any(isinstance(layer, Rescaling) for layer in model.layers)
    assert isinstance(apps.MobileNetV3Small(weights=None, include_top=False,
                                            input_shape=(32, 32, 3)).layers[1], Rescaling)
    assert model.output.shape == (None, 3)
    assert model.get_layer("predictions").get_config()["activation"] == "linear"
    free = apps.MobileNetV3Small(weights=None, include_top=False)
    assert free.input.shape == (None, None, None, 3)


def test_config_and_file_round_trip(tmp_path):
    model = apps.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5)
    clone = type(model).from_config(model.get_config())
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.count_params() == model.count_params()
    path = tmp_path / "v3.keras"
    model.save(path)
    loaded = load_model(path)
    x = np.random.default_rng(3).random((2, 32, 32, 3), dtype=np.float32) * 255
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
