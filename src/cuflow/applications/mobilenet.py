"""MobileNet v1 (Howard et al., 2017), as ``keras.applications.mobilenet``."""

from __future__ import annotations

import warnings

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions

_ALPHAS = (0.25, 0.50, 0.75, 1.0)
_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of the 13 depthwise-separable blocks, block_id 1..13
_BLOCKS = ([(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5
           + [(1024, 2), (1024, 1)])


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    x = c.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                 data_format=c.image_data_format(), name="conv1")(inputs)
    return c.relu6("conv1_relu")(c.bn(x, "conv1_bn"))


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=1,
                          block_id=1):
    """3x3 depthwise (stride 2: bottom/right zero padding, then 'valid'), BN, relu6, 1x1
    pointwise, BN, relu6."""
    fmt = c.image_data_format()
    x = inputs
    if strides != 1:
        x = c.ZeroPadding2D(((0, 1), (0, 1)), data_format=fmt, name=f"conv_pad_{block_id}")(x)
    x = c.DepthwiseConv2D((3, 3), padding="same" if strides == 1 else "valid",
                          depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                          data_format=fmt, name=f"conv_dw_{block_id}")(x)
    x = c.relu6(f"conv_dw_{block_id}_relu")(c.bn(x, f"conv_dw_{block_id}_bn"))
    x = c.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding="same", use_bias=False,
                 data_format=fmt, name=f"conv_pw_{block_id}")(x)
    return c.relu6(f"conv_pw_{block_id}_relu")(c.bn(x, f"conv_pw_{block_id}_bn"))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """MobileNet with width multiplier ``alpha`` and ``depth_multiplier`` (4,253,864
    parameters at alpha=1 with the top). Expects tf-mode ``preprocess_input`` ([-1, 1])."""
    rows, cols = c.spatial(input_shape)
    default_size = rows if rows == cols and rows in _SIZES else 224
    input_shape = c.prepare("MobileNet", weights, include_top, classes, classifier_activation,
                            pooling, input_shape, default_size, 32, input_tensor)
    rows, cols = c.spatial(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(f"MobileNet: with weights='imagenet', depth_multiplier must be 1; "
                             f"received depth_multiplier={depth_multiplier!r}")
        if alpha not in _ALPHAS:
            raise ValueError(f"MobileNet: with weights='imagenet', alpha must be one of "
                             f"{_ALPHAS}; received alpha={alpha!r}")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("MobileNet: input_shape is undefined or non-square, or rows is not "
                          f"in {_SIZES}; the weights for input shape (224, 224) will be loaded",
                          stacklevel=2)
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
    fname = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    path = resolve_weights("MobileNet", weights, fname, f"{KERAS_BASE_URL}mobilenet/{fname}")
    fmt = c.image_data_format()
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=stride,
                                  block_id=block_id)
    if include_top:
        # Keras's classifier is a 1x1 convolution on the pooled map
        x = c.GlobalAveragePooling2D(data_format=fmt, keepdims=True)(x)
        x = c.Dropout(dropout, name="dropout")(x)
        x = c.Conv2D(classes, (1, 1), padding="same", data_format=fmt, name="conv_preds")(x)
        x = c.Reshape((classes,), name="reshape_2")(x)
        x = c.Activation(classifier_activation, name="predictions")(x)
    else:
        x = c.pooled(x, pooling)
    return c.finish(inputs, x, name or f"mobilenet_{alpha:0.2f}_{rows}", path)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
