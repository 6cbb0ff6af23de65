"""ResNet50 (He et al., 2015), v1 bottleneck blocks, as ``keras.applications.resnet50``."""

from __future__ import annotations

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions
_EPS = 1.001e-5  # Keras's BatchNormalization epsilon for the ResNets


def _bn(x, name):
    axis = 3 if c.image_data_format() == "channels_last" else 1
    return c.BatchNormalization(axis=axis, epsilon=_EPS, name=name)(x)


def _block(x, filters, stride=1, conv_shortcut=True, name=None):
    """1x1 reduce, 3x3, 1x1 expand (x4), plus the identity or a 1x1 projection."""
    fmt = c.image_data_format()
    if conv_shortcut:
        shortcut = c.Conv2D(4 * filters, 1, strides=stride, data_format=fmt,
                            name=name + "_0_conv")(x)
        shortcut = _bn(shortcut, name + "_0_bn")
    else:
        shortcut = x
    x = c.Conv2D(filters, 1, strides=stride, data_format=fmt, name=name + "_1_conv")(x)
    x = c.Activation("relu", name=name + "_1_relu")(_bn(x, name + "_1_bn"))
    x = c.Conv2D(filters, 3, padding="same", data_format=fmt, name=name + "_2_conv")(x)
    x = c.Activation("relu", name=name + "_2_relu")(_bn(x, name + "_2_bn"))
    x = c.Conv2D(4 * filters, 1, data_format=fmt, name=name + "_3_conv")(x)
    x = _bn(x, name + "_3_bn")
    x = c.Add(name=name + "_add")([shortcut, x])
    return c.Activation("relu", name=name + "_out")(x)


def _stack(x, filters, blocks, stride1=2, name=None):
    x = _block(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = _block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50: 16 bottleneck blocks in 4 stages (25,636,712 parameters with the top).

    Expects inputs prepared by ``preprocess_input`` (caffe mode).
    """
    input_shape = c.prepare("ResNet50", weights, include_top, classes, classifier_activation,
                            pooling, input_shape, 224, 32, input_tensor)
    fname = ("resnet50_weights_tf_dim_ordering_tf_kernels"
             f"{'' if include_top else '_notop'}.h5")
    path = resolve_weights("ResNet50", weights, fname, f"{KERAS_BASE_URL}resnet/{fname}")
    fmt = c.image_data_format()
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = c.ZeroPadding2D(padding=((3, 3), (3, 3)), data_format=fmt, name="conv1_pad")(img_input)
    x = c.Conv2D(64, 7, strides=2, data_format=fmt, name="conv1_conv")(x)
    x = c.Activation("relu", name="conv1_relu")(_bn(x, "conv1_bn"))
    x = c.ZeroPadding2D(padding=((1, 1), (1, 1)), data_format=fmt, name="pool1_pad")(x)
    x = c.MaxPooling2D(3, strides=2, data_format=fmt, name="pool1_pool")(x)
    x = _stack(x, 64, 3, stride1=1, name="conv2")
    x = _stack(x, 128, 4, name="conv3")
    x = _stack(x, 256, 6, name="conv4")
    x = _stack(x, 512, 3, name="conv5")
    if include_top:
        x = c.GlobalAveragePooling2D(data_format=fmt, name="avg_pool")(x)
        x = c.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = c.pooled(x, pooling, avg_name="avg_pool", max_name="max_pool")
    return c.finish(inputs, x, name, path)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
