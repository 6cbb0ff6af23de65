"""DenseNet121/169/201 (Huang et al., 2017), as ``keras.applications.densenet``."""

from __future__ import annotations

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions
_EPS = 1.001e-5
_NAMES = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169",
          (6, 12, 48, 32): "densenet201"}


def _bn_relu(x, name):
    x = c.bn(x, name + "_bn", epsilon=_EPS)
    return c.Activation("relu", name=name + "_relu")(x)


def conv_block(x, growth_rate, name):
    """BN-relu-1x1 (4k), BN-relu-3x3 (k), concatenated onto the input."""
    fmt = c.image_data_format()
    x1 = _bn_relu(x, name + "_0")
    x1 = c.Conv2D(4 * growth_rate, 1, use_bias=False, data_format=fmt, name=name + "_1_conv")(x1)
    x1 = _bn_relu(x1, name + "_1")
    x1 = c.Conv2D(growth_rate, 3, padding="same", use_bias=False, data_format=fmt,
                  name=name + "_2_conv")(x1)
    return c.Concatenate(axis=c.channel_axis(), name=name + "_concat")([x, x1])


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-relu, a 1x1 conv keeping ``reduction`` of the channels, 2x2/2 average pooling."""
    fmt = c.image_data_format()
    x = _bn_relu(x, name)
    x = c.Conv2D(int(x.shape[c.channel_axis()] * reduction), 1, use_bias=False, data_format=fmt,
                 name=name + "_conv")(x)
    return c.AveragePooling2D(2, strides=2, data_format=fmt, name=name + "_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """A DenseNet with ``blocks`` conv blocks in each of its four dense blocks (growth 32,
    compression 0.5). Only channels_last, as in Keras."""
    blocks = tuple(blocks)
    known = _NAMES.get(blocks)
    label = f"DenseNet{known[8:]}" if known else "DenseNet"
    if c.image_data_format() == "channels_first":
        raise ValueError(f"{label} does not support the channels_first image data format; "
                         f"switch to channels_last")
    if weights == "imagenet" and known is None:
        raise ValueError(f"DenseNet: no ImageNet weights for blocks={list(blocks)}; Keras has "
                         f"them for {[list(b) for b in _NAMES]}")
    input_shape = c.prepare(label, weights, include_top, classes, classifier_activation,
                            pooling, input_shape, 224, 32, input_tensor)
    fname = f"{known}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    path = resolve_weights(label, weights, fname, f"{KERAS_BASE_URL}densenet/{fname}")
    fmt = c.image_data_format()
    img_input, inputs = c.model_input(input_tensor, input_shape)
    # the two paddings are unnamed in Keras (zero_padding2d, zero_padding2d_1)
    x = c.ZeroPadding2D(padding=((3, 3), (3, 3)), data_format=fmt)(img_input)
    x = c.Conv2D(64, 7, strides=2, use_bias=False, data_format=fmt, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = c.ZeroPadding2D(padding=((1, 1), (1, 1)), data_format=fmt)(x)
    x = c.MaxPooling2D(3, strides=2, data_format=fmt, name="pool1")(x)
    for stage, n in enumerate(blocks):
        x = dense_block(x, n, name=f"conv{stage + 2}")
        if stage < 3:
            x = transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = c.bn(x, "bn", epsilon=_EPS)
    x = c.Activation("relu", name="relu")(x)
    x = c.top(x, include_top, pooling, classes, classifier_activation)
    return c.finish(inputs, x, name or known or "densenet", path)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet121"):
    """DenseNet121 (8,062,504 parameters with the top); torch-mode ``preprocess_input``."""
    return DenseNet((6, 12, 24, 16), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet169"):
    """DenseNet169 (14,307,880 parameters with the top); torch-mode ``preprocess_input``."""
    return DenseNet((6, 12, 32, 32), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet201"):
    """DenseNet201 (20,242,984 parameters with the top); torch-mode ``preprocess_input``."""
    return DenseNet((6, 12, 48, 32), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")
