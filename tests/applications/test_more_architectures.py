"""ResNet101/152 + V2, DenseNet, MobileNet v1/v3, EfficientNet: Keras's parameter counts and
layer names, small forward passes, argument checks, weight file names, config/save round trip.

Counts are Keras's ``count_params()`` (keras.io/api/applications). The big variants take a
second or more each to build, so their count checks are ``slow``; every family keeps at least
one default-run check.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

from cuflow import applications as apps
from cuflow.models import load_model

slow = pytest.mark.slow

def case(build, count, names, model_name, size=224, n_weights=None, kwargs=None, marks=()):
    """Keras's count_params(), len(model.weights) where known, model name and default input
    size, and layer names at known places."""
    return pytest.param(build, kwargs or {}, count, n_weights, model_name, size, names,
                        id=build.__name__, marks=marks)


COUNTS = [
    case(apps.ResNet101, 44_707_176, ["conv1_conv", "conv4_block23_out", "conv5_block3_add",
                                      "avg_pool"], "resnet101"),
    case(apps.ResNet152, 60_419_944, ["conv3_block8_out", "conv4_block36_out"], "resnet152",
         marks=slow),
    case(apps.ResNet50V2, 25_613_800,
         ["conv2_block1_preact_bn", "conv2_block1_0_conv", "conv2_block3_2_pad",
          "conv4_block6_out", "post_bn", "post_relu", "avg_pool", "predictions"], "resnet50v2"),
    case(apps.ResNet101V2, 44_675_560, ["conv4_block23_out", "post_relu"], "resnet101v2",
         marks=slow),
    case(apps.ResNet152V2, 60_380_648, ["conv4_block36_out", "post_relu"], "resnet152v2",
         marks=slow),
    case(apps.DenseNet121, 8_062_504,
         ["conv1_conv", "conv1_bn", "pool1", "conv2_block1_0_bn", "conv2_block6_concat",
          "pool2_conv", "pool2_pool", "conv5_block16_concat", "bn", "relu", "avg_pool",
          "predictions"], "densenet121", n_weights=606),
    case(apps.DenseNet169, 14_307_880, ["conv5_block32_concat"], "densenet169", marks=slow),
    case(apps.DenseNet201, 20_242_984, ["conv4_block48_concat"], "densenet201", marks=slow),
    case(apps.MobileNet, 4_253_864,
         ["conv1", "conv1_bn", "conv1_relu", "conv_dw_1", "conv_pw_1_relu", "conv_pad_2",
          "conv_dw_13_bn", "dropout", "conv_preds", "reshape_2", "predictions"],
         "mobilenet_1.00_224"),
    case(apps.EfficientNetB0, 5_330_571,
         ["stem_conv_pad", "stem_conv", "stem_bn", "stem_activation", "block1a_dwconv",
          "block1a_se_squeeze", "block1a_se_reshape", "block1a_se_reduce", "block1a_se_expand",
          "block1a_se_excite", "block1a_project_conv", "block2a_expand_conv",
          "block2a_dwconv_pad", "block2b_drop", "block2b_add", "block7a_project_bn", "top_conv",
          "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions"],
         "efficientnetb0", n_weights=314),
    case(apps.EfficientNetB1, 7_856_239, ["block2c_add"], "efficientnetb1", 240, marks=slow),
    case(apps.EfficientNetB2, 9_177_569, ["block2c_add"], "efficientnetb2", 260, marks=slow),
    case(apps.EfficientNetB3, 12_320_535, ["block6f_add"], "efficientnetb3", 300, marks=slow),
    case(apps.EfficientNetB4, 19_466_823, ["block6h_add"], "efficientnetb4", 380, marks=slow),
    case(apps.EfficientNetB5, 30_562_527, ["block6i_add"], "efficientnetb5", 456, marks=slow),
    case(apps.EfficientNetB6, 43_265_143, ["block6k_add"], "efficientnetb6", 528, marks=slow),
    case(apps.EfficientNetB7, 66_658_687, ["block6m_add"], "efficientnetb7", 600, marks=slow),
    case(apps.MobileNetV3Small, 2_554_968,
         ["conv", "conv_bn", "expanded_conv_depthwise_pad",
          "expanded_conv_squeeze_excite_avg_pool", "expanded_conv_squeeze_excite_mul",
          "expanded_conv_1_expand", "expanded_conv_10_add", "conv_1", "conv_1_bn", "conv_2",
          "logits", "predictions"], "MobileNetV3Small", None, n_weights=210),
    case(apps.MobileNetV3Large, 5_507_432,
         ["expanded_conv_project", "expanded_conv_14_add", "conv_2", "logits"],
         "MobileNetV3Large", None, n_weights=266),
]


@pytest.mark.parametrize("build, kwargs, count, n_weights, model_name, size, names", COUNTS)
def test_parameter_count_names_and_default_input(build, kwargs, count, n_weights, model_name,
                                                 size, names):
    model = build(weights=None, **kwargs)
    try:
        assert model.count_params() == count
        if n_weights is not None:
            assert len(model.weights) == n_weights
        present = {layer.name for layer in model.layers}
        assert not [n for n in names if n not in present]
        assert len(present) == len(model.layers), "duplicate layer names"
        assert model.name == model_name
        assert model.input.shape == (None, size, size, 3)
        assert model.output.shape == (None, 1000)
    finally:
        del model
        gc.collect()


FORWARD = [  # one builder per block family, at the smallest size it takes
    (apps.ResNet50V2, {}, 2048), (apps.DenseNet121, {}, 1024), (apps.MobileNet, {}, 1024),
    (apps.MobileNet, {"alpha": 0.25, "depth_multiplier": 2}, 256),
    (apps.EfficientNetB0, {}, 1280), (apps.MobileNetV3Small, {}, 576),
    (apps.MobileNetV3Large, {"minimalistic": True, "alpha": 0.75}, 720),
]


@pytest.mark.parametrize("build, kwargs, features", FORWARD,
                         ids=[f"{b.__name__}{'-' if k else ''}{'-'.join(map(str, k.values()))}"
                              for b, k, _ in FORWARD])
def test_tiny_forward_pass(build, kwargs, features):
    model = build(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg",
                  **kwargs)
    assert model.output.shape == (None, features)
    x = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32) * 255
    y = model.predict(x, verbose=0)
    assert y.shape == (2, features)
    assert np.isfinite(y).all()


def test_max_pooling_and_feature_map_heads():
    model = apps.MobileNetV3Small(weights=None, include_top=False, input_shape=(64, 64, 3),
                                  pooling="max")
    assert model.output.shape == (None, 576)
    assert model.layers[-1].name == "max_pool"
    model = apps.DenseNet121(weights=None, include_top=False, input_shape=(64, 64, 3))
    assert model.output.shape == (None, 2, 2, 1024)


def test_small_top_with_custom_classes_sums_to_one():
    model = apps.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=4)
    y = model.predict(np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32),
                      verbose=0)
    assert y.shape == (2, 4)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


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


def test_preprocess_modes():
    x = np.full((1, 2, 2, 3), 255.0, np.float32)
    np.testing.assert_allclose(apps.resnet_v2.preprocess_input(x), 1.0)
    np.testing.assert_allclose(apps.mobilenet.preprocess_input(x), 1.0)
    np.testing.assert_allclose(apps.resnet.preprocess_input(x)[..., 0], 255.0 - 103.939,
                               rtol=1e-6)
    np.testing.assert_allclose(apps.densenet.preprocess_input(x)[..., 0],
                               (1 - 0.485) / 0.229, rtol=1e-5)
    assert apps.densenet.decode_predictions is apps.imagenet_utils.decode_predictions


@pytest.mark.parametrize("build", [apps.ResNet101, apps.ResNet50V2, apps.DenseNet121,
                                   apps.MobileNet, apps.EfficientNetB0, apps.MobileNetV3Small,
                                   apps.ConvNeXtTiny],
                         ids=lambda b: b.__name__)
def test_argument_errors(build):
    with pytest.raises(ValueError, match="pooling must be None, 'avg' or 'max'"):
        build(weights=None, include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="classes must be 1000"):
        build(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="`weights` argument"):
        build(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="32x32"):
        build(weights=None, include_top=False, input_shape=(31, 31, 3))
    with pytest.raises(ValueError, match="classifier_activation"):
        build(weights="imagenet", classifier_activation="relu")
    with pytest.raises(TypeError, match="input_tensor"):
        build(weights=None, include_top=False, input_tensor=np.zeros((1, 32, 32, 3)))


def test_model_specific_imagenet_rules(tmp_path, monkeypatch):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="depth_multiplier must be 1"):
        apps.MobileNet(weights="imagenet", depth_multiplier=2, include_top=False)
    with pytest.raises(ValueError, match="alpha must be one of"):
        apps.MobileNet(weights="imagenet", alpha=0.6, include_top=False)
    with pytest.raises(ValueError, match="alpha must be 0.75 or 1.0"):
        apps.MobileNetV3Small(weights="imagenet", alpha=0.75, minimalistic=True)
    with pytest.raises(ValueError, match="no ImageNet weights"):
        apps.densenet.DenseNet([2, 2, 2, 2], weights="imagenet")
    with pytest.raises(ValueError, match="input_shape should be"):
        apps.EfficientNetB0(weights="imagenet", input_shape=(64, 64, 3))
    with pytest.warns(UserWarning, match=r"\(224, 224\)"), \
            pytest.raises(FileNotFoundError, match="mobilenet_1_0_224_tf_no_top"):
        apps.MobileNet(weights="imagenet", include_top=False, input_shape=(100, 100, 3))


@pytest.mark.parametrize("build, kwargs, url", [
    (apps.ResNet101, {}, "tensorflow/keras-applications/resnet/"
     "resnet101_weights_tf_dim_ordering_tf_kernels.h5"),
    (apps.ResNet152V2, {"include_top": False}, "tensorflow/keras-applications/resnet/"
     "resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    (apps.DenseNet201, {"include_top": False}, "tensorflow/keras-applications/densenet/"
     "densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    (apps.MobileNet, {"input_shape": (160, 160, 3), "include_top": False, "alpha": 0.5},
     "tensorflow/keras-applications/mobilenet/mobilenet_5_0_160_tf_no_top.h5"),
    (apps.EfficientNetB5, {}, "keras-applications/efficientnetb5.h5"),
    (apps.EfficientNetB2, {"include_top": False}, "keras-applications/efficientnetb2_notop.h5"),
    (apps.MobileNetV3Large, {"input_shape": (224, 224, 3)},
     "tensorflow/keras-applications/mobilenet_v3/"
     "weights_mobilenet_v3_large_224_1.0_float.h5"),
    (apps.MobileNetV3Small, {"include_top": False, "minimalistic": True,
                             "input_shape": (224, 224, 3)},
     "tensorflow/keras-applications/mobilenet_v3/"
     "weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5"),
], ids=lambda v: getattr(v, "__name__", None))
def test_missing_imagenet_weights_name_keras_file_and_url(tmp_path, monkeypatch, build, kwargs,
                                                          url):
    monkeypatch.setenv("CUFLOW_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        build(weights="imagenet", **kwargs)
    message = str(info.value)
    assert "https://storage.googleapis.com/" + url in message
    assert str(tmp_path / "models") in message


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
