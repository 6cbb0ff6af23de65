"""ResNet50V2/101V2/152V2 (He et al., 2016, identity mappings), as
``keras.applications.resnet_v2``: ``resnet.ResNet`` with pre-activation blocks."""

from __future__ import annotations

from . import imagenet_utils
from .resnet import ResNet, stack_residual_blocks_v2

decode_predictions = imagenet_utils.decode_predictions


def _v2(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax", name="resnet50v2"):
    """ResNet50V2 (25,613,800 parameters with the top); tf-mode ``preprocess_input``."""
    return ResNet(_v2((3, 4, 6, 3)), True, True, name, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation,
                  weights_name="resnet50v2", label="ResNet50V2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """ResNet101V2 (44,675,560 parameters with the top); tf-mode ``preprocess_input``."""
    return ResNet(_v2((3, 4, 23, 3)), True, True, name, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation,
                  weights_name="resnet101v2", label="ResNet101V2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """ResNet152V2 (60,380,648 parameters with the top); tf-mode ``preprocess_input``."""
    return ResNet(_v2((3, 8, 36, 3)), True, True, name, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation,
                  weights_name="resnet152v2", label="ResNet152V2")


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
