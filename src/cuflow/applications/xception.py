"""Xception (Chollet, 2017): depthwise-separable convolutions with residual links, as
``keras.applications.xception``."""

from __future__ import annotations

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions


def _bn(x, name=None):
    axis = -1 if c.image_data_format() == "channels_last" else 1
    return c.BatchNormalization(axis=axis, name=name)(x)


def _sep(x, filters, name):
    """relu is applied by the caller: Keras puts it before some separable convs, not others."""
    x = c.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                          data_format=c.image_data_format(), name=name)(x)
    return _bn(x, name + "_bn")


def _relu(x, name):
    return c.Activation("relu", name=name)(x)


def _downsample_block(x, block, filters, first_relu=True):
    """Two separable convs, 3x3/2 max pooling, plus a strided 1x1 projection (unnamed, as in
    Keras, so those layers get automatic names)."""
    fmt = c.image_data_format()
    residual = c.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False,
                        data_format=fmt)(x)
    residual = _bn(residual)
    if first_relu:
        x = _relu(x, f"block{block}_sepconv1_act")
    x = _sep(x, filters[0], f"block{block}_sepconv1")
    x = _relu(x, f"block{block}_sepconv2_act")
    x = _sep(x, filters[1], f"block{block}_sepconv2")
    x = c.MaxPooling2D((3, 3), strides=(2, 2), padding="same", data_format=fmt,
                       name=f"block{block}_pool")(x)
    return c.Add()([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    """Xception (22,910,480 parameters with the top; default input 299x299, minimum 71).

    Expects inputs prepared by ``preprocess_input`` (tf mode: [-1, 1]).
    """
    input_shape = c.prepare("Xception", weights, include_top, classes, classifier_activation,
                            pooling, input_shape, 299, 71, input_tensor)
    fname = f"xception_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    path = resolve_weights("Xception", weights, fname, f"{KERAS_BASE_URL}xception/{fname}")
    fmt = c.image_data_format()
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = c.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, data_format=fmt,
                 name="block1_conv1")(img_input)
    x = _relu(_bn(x, "block1_conv1_bn"), "block1_conv1_act")
    x = c.Conv2D(64, (3, 3), use_bias=False, data_format=fmt, name="block1_conv2")(x)
    x = _relu(_bn(x, "block1_conv2_bn"), "block1_conv2_act")
    # entry flow; block 2 starts right after an activation, so it has no leading relu
    x = _downsample_block(x, 2, (128, 128), first_relu=False)
    x = _downsample_block(x, 3, (256, 256))
    x = _downsample_block(x, 4, (728, 728))
    # middle flow: 8 residual blocks of three separable convolutions
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = _relu(x, f"block{block}_sepconv{i}_act")
            x = _sep(x, 728, f"block{block}_sepconv{i}")
        x = c.Add()([x, residual])
    # exit flow
    x = _downsample_block(x, 13, (728, 1024))
    x = _relu(_sep(x, 1536, "block14_sepconv1"), "block14_sepconv1_act")
    x = _relu(_sep(x, 2048, "block14_sepconv2"), "block14_sepconv2_act")
    if include_top:
        x = c.GlobalAveragePooling2D(data_format=fmt, name="avg_pool")(x)
        x = c.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = c.pooled(x, pooling)
    return c.finish(inputs, x, name, path)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
