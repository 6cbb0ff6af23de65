"""cuflow.applications.efficientnet: EfficientNetB0-B7 against Keras's counts and names, a
forward pass, the rescaling / normalization stem, ImageNet rules and files, file round trips."""

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
    pytest.param(apps.EfficientNetB0, {}, 5_330_571, ['stem_conv_pad', 'stem_conv', 'stem_bn',
                                                      'stem_activation', 'block1a_dwconv',
                                                      'block1a_se_squeeze', 'block1a_se_reshape',
                                                      'block1a_se_reduce', 'block1a_se_expand',
                                                      'block1a_se_excite', 'block1a_project_conv',
                                                      'block2a_expand_conv', 'block2a_dwconv_pad',
                                                      'block2b_drop', 'block2b_add',
                                                      'block7a_project_bn', 'top_conv', 'top_bn',
                                                      'top_activation', 'avg_pool', 'top_dropout',
                                                      'predictions'],
                 'efficientnetb0', 224, 314, id='EfficientNetB0'),
    pytest.param(apps.EfficientNetB1, {}, 7_856_239, ['block2c_add'],
                 'efficientnetb1', 240, None, id='EfficientNetB1', marks=slow),
    pytest.param(apps.EfficientNetB2, {}, 9_177_569, ['block2c_add'],
                 'efficientnetb2', 260, None, id='EfficientNetB2', marks=slow),
    pytest.param(apps.EfficientNetB3, {}, 12_320_535, ['block6f_add'],
                 'efficientnetb3', 300, None, id='EfficientNetB3', marks=slow),
    pytest.param(apps.EfficientNetB4, {}, 19_466_823, ['block6h_add'],
                 'efficientnetb4', 380, None, id='EfficientNetB4', marks=slow),
    pytest.param(apps.EfficientNetB5, {}, 30_562_527, ['block6i_add'],
                 'efficientnetb5', 456, None, id='EfficientNetB5', marks=slow),
    pytest.param(apps.EfficientNetB6, {}, 43_265_143, ['block6k_add'],
                 'efficientnetb6', 528, None, id='EfficientNetB6', marks=slow),
    pytest.param(apps.EfficientNetB7, {}, 66_658_687, ['block6m_add'],
                 'efficientnetb7', 600, None, id='EfficientNetB7', marks=slow),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


FORWARD = [  # one per block variant, at the smallest size it takes
    (apps.EfficientNetB0, {}, 1280),
]


@pytest.mark.parametrize("build, kwargs, features", FORWARD, ids=[1280])
def test_tiny_forward_pass(build, kwargs, features):
    check_tiny_forward(build, kwargs, features)


def test_shared_argument_errors():
    check_argument_errors(apps.EfficientNetB0)


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.EfficientNetB5, {},
     'keras-applications/efficientnetb5.h5'),
    (apps.EfficientNetB2, {'include_top': False},
     'keras-applications/efficientnetb2_notop.h5'),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    check_missing_weights(tmp_path, monkeypatch, build, kwargs, url)


def test_imagenet_needs_the_default_input_shape(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="input_shape should be"):
        apps.EfficientNetB0(weights="imagenet", input_shape=(64, 64, 3))


def test_small_top_with_custom_classes_sums_to_one():
    model = apps.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=4)
    y = model.predict(np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32),
                      verbose=0)
    assert y.shape == (2, 4)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_efficientnet_stem_rescales_and_normalizes():
    from cuflow.layers import Normalization, Rescaling

    model = apps.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
    rescaling, norm = model.layers[1:3]  # auto-named, as in Keras
    assert isinstance(rescaling, Rescaling) and isinstance(norm, Normalization)
    assert rescaling.get_config()["scale"] == pytest.approx(1 / 255)
    assert [w.trainable for w in norm.weights] == [False] * 3
    x = np.full((1, 32, 32, 3), 255.0, np.float32)
    assert model.predict(x, verbose=0).shape == (1, 1, 1, 1280)
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    assert apps.efficientnet.preprocess_input(x) is x
    assert apps.mobilenet_v3.preprocess_input(x) is x


def test_efficientnet_file_round_trip_keeps_normalization_stats(tmp_path):
    model = apps.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3),
                                pooling="avg")
    norm = model.layers[2]
    norm.mean.assign(np.array([0.485, 0.456, 0.406], np.float32))
    norm.variance.assign(np.array([0.229, 0.224, 0.225], np.float32) ** 2)
    path = tmp_path / "b0.keras"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.layers[2].mean.numpy(),
                               [0.485, 0.456, 0.406], rtol=1e-6)
    x = np.random.default_rng(4).random((1, 32, 32, 3), dtype=np.float32) * 255
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
