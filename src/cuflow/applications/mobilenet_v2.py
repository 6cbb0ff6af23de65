"""MobileNetV2 (Sandler et al., 2018), as ``keras.applications.mobilenet_v2``."""

from __future__ import annotations

import warnings

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions

_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks, block_id 0..16
_BLOCKS = ([(16, 1, 1)] + [(24, 2, 6), (24, 1, 6)] + [(32, 2, 6)] + [(32, 1, 6)] * 2
           + [(64, 2, 6)] + [(64, 1, 6)] * 3 + [(96, 1, 6)] * 3 + [(160, 2, 6)]
           + [(160, 1, 6)] * 2 + [(320, 1, 6)])


_make_divisible = c.make_divisible


def _bn(x, name):
    return c.bn(x, name, epsilon=1e-3, momentum=0.999)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    fmt = c.image_data_format()
    in_channels = inputs.shape[-1 if fmt == "channels_last" else 1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = c.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                     data_format=fmt, name=prefix + "expand")(x)
        x = c.relu6(prefix + "expand_relu")(_bn(x, prefix + "expand_BN"))
    else:
        prefix = "expanded_conv_"
    x = c.depthwise(x, 3, stride, name=prefix + "depthwise", pad_name=prefix + "pad")
    x = c.relu6(prefix + "depthwise_relu")(_bn(x, prefix + "depthwise_BN"))
    x = c.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                 data_format=fmt, name=prefix + "project")(x)
    x = _bn(x, prefix + "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return c.Add(name=prefix + "add")([inputs, x])
    return x


def _rows_cols(input_shape, input_tensor):
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    return c.spatial(input_shape)


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                name=None):
    """MobileNetV2 with width multiplier ``alpha`` (3,538,984 parameters at alpha=1 with the
    top). Expects inputs prepared by ``preprocess_input`` (tf mode: [-1, 1])."""
    rows, cols = _rows_cols(input_shape, input_tensor)
    default_size = rows if rows == cols and rows in _SIZES else 224
    input_shape = c.prepare("MobileNetV2", weights, include_top, classes,
                            classifier_activation, pooling, input_shape, default_size, 32,
                            input_tensor)
    fmt = c.image_data_format()
    rows, cols = c.spatial(input_shape)
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError(f"MobileNetV2: with weights='imagenet', alpha must be one of "
                             f"{_ALPHAS}; received alpha={alpha!r}")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("MobileNetV2: input_shape is undefined or non-square, or rows is not "
                          f"in {_SIZES}; the weights for input shape (224, 224) will be loaded",
                          stacklevel=2)
    fname = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
             f"{'' if include_top else '_no_top'}.h5")
    path = resolve_weights("MobileNetV2", weights, fname,
                           f"{KERAS_BASE_URL}mobilenet_v2/{fname}")
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = c.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
                 use_bias=False, data_format=fmt, name="Conv1")(img_input)
    x = c.relu6("Conv1_relu")(_bn(x, "bn_Conv1"))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = c.Conv2D(last, kernel_size=1, use_bias=False, data_format=fmt, name="Conv_1")(x)
    x = c.relu6("out_relu")(_bn(x, "Conv_1_bn"))
    x = c.top(x, include_top, pooling, classes, classifier_activation, avg_name=None,
              max_name=None)
    return c.finish(inputs, x, name or f"mobilenetv2_{alpha:0.2f}_{rows}", path)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
