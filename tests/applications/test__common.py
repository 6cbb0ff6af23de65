"""What every application shares (applications/_common.py, _weights.py): input tensors and
shapes, ImageNet rules, argument errors, weights files named, found and loaded."""

from __future__ import annotations

import pytest

from cuflow import applications as apps
from cuflow.layers import Input
from cuflow.models import Model


def test_classifier_activation_none_gives_logits():
    model = apps.VGG16(weights=None, input_shape=(32, 32, 3), classes=3,
                       classifier_activation=None)
    assert model.get_layer("fc1").kernel.shape == (512, 4096)  # 1x1x512 flattened
    assert model.get_layer("predictions").get_config()["activation"] == "linear"


def test_input_tensor_is_the_model_input():
    t = Input(shape=(32, 32, 3))
    model = apps.ResNet50(weights=None, include_top=False, input_tensor=t)
    assert model.inputs[0] is t
    assert model.output.shape == (None, 1, 1, 2048)


def test_input_tensor_from_a_layer_output_keeps_the_source_input():
    from cuflow.layers import Activation

    t = Input(shape=(32, 32, 3))
    x = Activation("linear")(t)
    model = apps.VGG16(weights=None, include_top=False, input_tensor=x, pooling="avg")
    assert model.inputs[0] is t


@pytest.mark.parametrize("build, bad, message", [
    (apps.VGG16, (16, 16, 3), "at least 32x32"),
    (apps.Xception, (70, 70, 3), "at least 71x71"),
    (apps.InceptionV3, (74, 74, 3), "at least 75x75"),
    (apps.ResNet50, (32, 32), "three integers"),
])
def test_input_shape_too_small_or_malformed(build, bad, message):
    with pytest.raises(ValueError, match=message):
        build(weights=None, include_top=False, input_shape=bad)


def test_imagenet_top_needs_default_input_shape(cuflow_home):
    with pytest.raises(ValueError, match=r"input_shape should be \(224, 224, 3\)"):
        apps.VGG16(weights="imagenet", include_top=True, input_shape=(64, 64, 3))


def test_imagenet_needs_three_channels(cuflow_home):
    with pytest.raises(ValueError, match="3 channels"):
        apps.VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 1))


def test_imagenet_top_needs_1000_classes():
    with pytest.raises(ValueError, match="classes must be 1000"):
        apps.ResNet50(weights="imagenet", classes=10)


def test_imagenet_top_allows_only_softmax_or_none():
    with pytest.raises(ValueError, match="classifier_activation"):
        apps.VGG16(weights="imagenet", classifier_activation="relu")


def test_top_needs_static_input_shape():
    with pytest.raises(ValueError, match="static"):
        apps.VGG16(weights=None, include_top=True, input_shape=(None, None, 3))


def test_unknown_weights_and_pooling_values():
    with pytest.raises(ValueError, match="weights"):
        apps.VGG16(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="pooling"):
        apps.VGG16(weights=None, include_top=False, pooling="mean")


def test_unusual_channel_count_warns_like_keras():
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        apps.VGG16(weights=None, include_top=False, input_shape=(32, 32, 5))


@pytest.mark.parametrize("build, kwargs, fname, folder", [
    (apps.VGG16, {"include_top": False}, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "vgg16"),
    (apps.VGG19, {}, "vgg19_weights_tf_dim_ordering_tf_kernels.h5", "vgg19"),
    (apps.ResNet50, {}, "resnet50_weights_tf_dim_ordering_tf_kernels.h5", "resnet"),
    (apps.MobileNetV2, {"include_top": False, "input_shape": (224, 224, 3)},
     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5", "mobilenet_v2"),
    (apps.Xception, {}, "xception_weights_tf_dim_ordering_tf_kernels.h5", "xception"),
    (apps.InceptionV3, {"include_top": False},
     "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "inception_v3"),
])
def test_missing_imagenet_weights_name_file_folder_and_url(cuflow_home, build, kwargs, fname,
                                                            folder):
    with pytest.raises(FileNotFoundError) as info:
        build(weights="imagenet", **kwargs)
    message = str(info.value)
    assert fname in message
    assert str(cuflow_home / "models") in message
    assert (f"https://storage.googleapis.com/tensorflow/keras-applications/{folder}/{fname}"
            in message)


def test_imagenet_weights_default_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CUFLOW_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"\.cuflow.models"):
        apps.VGG16(weights="imagenet", include_top=False)


def test_weights_path_is_loaded(tmp_path, monkeypatch):
    loaded = []
    monkeypatch.setattr(Model, "load_weights", lambda self, path, *a, **k: loaded.append(path))
    path = tmp_path / "mine.npz"
    path.write_bytes(b"placeholder")
    apps.VGG16(weights=str(path), include_top=False, input_shape=(32, 32, 3))
    assert loaded == [str(path)]
