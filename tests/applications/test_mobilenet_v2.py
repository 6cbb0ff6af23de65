"""cuflow.applications.mobilenet_v2: MobileNetV2 against Keras's count and names, heads,
alpha, ImageNet rules and files, and the same forward pass on every device."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import applications as apps
from cuflow.models import Model
from cuflow.testing import on_every_device

from ._checks import (
    check_full_size,
    check_tiny_forward,
)

slow = pytest.mark.slow

# Keras's count_params(), layer names at known places, model name, default size, len(weights)
FULL_SIZE = [
    pytest.param(apps.MobileNetV2, {}, 3_538_984, ['Conv1', 'bn_Conv1', 'Conv1_relu',
                                                   'expanded_conv_depthwise',
                                                   'expanded_conv_depthwise_BN',
                                                   'expanded_conv_project',
                                                   'expanded_conv_project_BN', 'block_1_expand',
                                                   'block_1_expand_BN', 'block_1_pad',
                                                   'block_1_depthwise', 'block_2_add',
                                                   'block_16_project', 'Conv_1', 'Conv_1_bn',
                                                   'out_relu', 'predictions'],
                 'mobilenetv2_1.00_224', 224, None, id='MobileNetV2'),
]


@pytest.mark.parametrize("build, kwargs, count, names, model_name, size, n_weights", FULL_SIZE)
def test_full_size_matches_keras(build, kwargs, count, names, model_name, size, n_weights):
    check_full_size(build, kwargs, count, names, model_name, size, n_weights)


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_pooling_heads_forward(pooling):
    check_tiny_forward(apps.MobileNetV2, {}, 1280, size=32, pooling=pooling)


def test_small_top_with_custom_classes_sums_to_one():
    model = apps.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=7)
    y = model.predict(np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32),
                      verbose=0)
    assert y.shape == (2, 7)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_cached_imagenet_file_is_loaded(cuflow_home, monkeypatch):
    loaded = []
    monkeypatch.setattr(Model, "load_weights", lambda self, path, *a, **k: loaded.append(path))
    folder = cuflow_home / "models"
    folder.mkdir()
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_128_no_top.h5"
    (folder / fname).write_bytes(b"placeholder")
    model = apps.MobileNetV2(weights="imagenet", include_top=False, input_shape=(128, 128, 3))
    assert loaded == [str(folder / fname)]
    assert model.name == "mobilenetv2_1.00_128"


def test_mobilenet_imagenet_alpha_and_size_rules(cuflow_home):
    with pytest.raises(ValueError, match="alpha"):
        apps.MobileNetV2(weights="imagenet", alpha=0.6, include_top=False)
    with pytest.warns(UserWarning, match=r"\(224, 224\)"), pytest.raises(FileNotFoundError,
                                                                         match="1.0_224_no_top"):
        apps.MobileNetV2(weights="imagenet", include_top=False, input_shape=(100, 100, 3))


def test_mobilenet_alpha_scales_widths():
    model = apps.MobileNetV2(weights=None, alpha=0.5, include_top=False, input_shape=(32, 32, 3))
    assert model.get_layer("Conv1").filters == 16
    assert model.get_layer("Conv_1").filters == 1280
    assert model.name == "mobilenetv2_0.50_32"


@on_every_device
def test_forward_on_every_device():
    x = np.random.default_rng(2).random((2, 32, 32, 3), dtype=np.float32)
    model = apps.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3),
                             pooling="avg")
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 1280) and np.isfinite(y).all()
