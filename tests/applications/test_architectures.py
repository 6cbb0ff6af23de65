"""Full-size application models: Keras's parameter counts and layer names.

Each model is built once for the module (no forward pass at full size: VGG16 alone holds
~550 MB of float32 weights); smaller forward passes live in test_models.py.
"""

from __future__ import annotations

import gc

import pytest

from cuflow import applications as apps

# (builder, kwargs, Keras's count_params(), layer names Keras uses at known places)
CASES = {
    "VGG16": (apps.VGG16, {}, 138_357_544,
              ["block1_conv1", "block1_conv2", "block1_pool", "block5_conv3", "block5_pool",
               "flatten", "fc1", "fc2", "predictions"]),
    "VGG16_notop": (apps.VGG16, {"include_top": False}, 14_714_688,
                    ["block1_conv1", "block5_conv3", "block5_pool"]),
    "VGG19": (apps.VGG19, {}, 143_667_240,
              ["block3_conv4", "block4_conv4", "block5_conv4", "fc1", "fc2", "predictions"]),
    "ResNet50": (apps.ResNet50, {}, 25_636_712,
                 ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool",
                  "conv2_block1_0_conv", "conv2_block1_1_conv", "conv2_block1_3_bn",
                  "conv2_block1_add", "conv2_block1_out", "conv3_block4_out",
                  "conv4_block6_out", "conv5_block3_out", "avg_pool", "predictions"]),
    "MobileNetV2": (apps.MobileNetV2, {}, 3_538_984,
                    ["Conv1", "bn_Conv1", "Conv1_relu", "expanded_conv_depthwise",
                     "expanded_conv_depthwise_BN", "expanded_conv_project",
                     "expanded_conv_project_BN", "block_1_expand", "block_1_expand_BN",
                     "block_1_pad", "block_1_depthwise", "block_2_add", "block_16_project",
                     "Conv_1", "Conv_1_bn", "out_relu", "predictions"]),
    "Xception": (apps.Xception, {}, 22_910_480,
                 ["block1_conv1", "block1_conv1_bn", "block1_conv1_act", "block2_sepconv1",
                  "block2_pool", "block5_sepconv1_act", "block12_sepconv3_bn",
                  "block13_pool", "block14_sepconv2_act", "avg_pool", "predictions"]),
    "InceptionV3": (apps.InceptionV3, {}, 23_851_784,
                    ["mixed0", "mixed3", "mixed7", "mixed8", "mixed9_0", "mixed9_1", "mixed10",
                     "avg_pool", "predictions"]),
}


@pytest.fixture(scope="module", params=list(CASES))
def built(request):
    build, kwargs, count, names = CASES[request.param]
    model = build(weights=None, **kwargs)
    yield request.param, model, count, names
    del model
    gc.collect()  # release the previous model's weights before the next one is built


def test_parameter_count(built):
    name, model, count, _ = built
    assert model.count_params() == count, name


def test_layer_names(built):
    name, model, _, names = built
    present = {layer.name for layer in model.layers}
    missing = [n for n in names if n not in present]
    assert not missing, f"{name} lacks layers {missing}"
    assert len(present) == len(model.layers), f"{name} has duplicate layer names"


def test_default_input_and_output_shapes(built):
    name, model, _, _ = built
    size = 299 if name in ("Xception", "InceptionV3") else 224
    if name == "VGG16_notop":
        assert model.input.shape == (None, None, None, 3)
        assert model.output.shape == (None, None, None, 512)
    else:
        assert model.input.shape == (None, size, size, 3)
        assert model.output.shape == (None, 1000)
        assert model.get_layer("predictions").get_config()["activation"] == "softmax"


def test_model_names(built):
    name, model, _, _ = built
    expected = {"VGG16": "vgg16", "VGG16_notop": "vgg16", "VGG19": "vgg19",
                "ResNet50": "resnet50", "MobileNetV2": "mobilenetv2_1.00_224",
                "Xception": "xception", "InceptionV3": "inception_v3"}[name]
    assert model.name == expected
