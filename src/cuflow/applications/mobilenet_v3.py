"""MobileNetV3Small / MobileNetV3Large (Howard et al., 2019), as
``keras.applications.mobilenet_v3``. The models rescale [0, 255] pixels themselves
(``include_preprocessing=True``), so ``preprocess_input`` is the identity."""

from __future__ import annotations

import warnings

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions
_depth = c.make_divisible


def relu(x):
    return c.ReLU()(x)


def hard_sigmoid(x):
    # Keras writes ReLU(6.)(x + 3.) * (1. / 6.); cuflow's hard_sigmoid is that same function
    return c.Activation("hard_sigmoid")(x)


def hard_swish(x):
    return c.Activation("hard_swish")(x)


def _bn(x, name):
    return c.bn(x, name, epsilon=1e-3, momentum=0.999)


def _se_block(inputs, filters, se_ratio, prefix):
    fmt = c.image_data_format()
    x = c.GlobalAveragePooling2D(data_format=fmt, keepdims=True,
                                 name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = c.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same", data_format=fmt,
                 name=f"{prefix}squeeze_excite_conv")(x)
    x = c.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = c.Conv2D(filters, kernel_size=1, padding="same", data_format=fmt,
                 name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return c.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    fmt = c.image_data_format()
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[c.channel_axis()]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = c.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same",
                     use_bias=False, data_format=fmt, name=f"{prefix}expand")(x)
        x = activation(_bn(x, f"{prefix}expand_bn"))
    x = c.depthwise(x, kernel_size, stride, name=f"{prefix}depthwise",
                    pad_name=f"{prefix}depthwise_pad")
    x = activation(_bn(x, f"{prefix}depthwise_bn"))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = c.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, data_format=fmt,
                 name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_bn")
    if stride == 1 and infilters == filters:
        x = c.Add(name=f"{prefix}add")([shortcut, x])
    return x


def MobileNetV3(stack_fn, last_point_ch, input_shape=None, alpha=1.0, model_type="large",
                minimalistic=False, include_top=True, weights="imagenet", input_tensor=None,
                classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                include_preprocessing=True, name=None):
    label = f"MobileNetV3{model_type.capitalize()}"
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    if input_shape is None:
        input_shape = (None, None, 3) if c.channel_axis() == -1 else (3, None, None)
    # Keras builds on any size from 32 up, the top included (the classifier is convolutional)
    c.check_size(label, input_shape)
    input_shape = c.prepare(label, weights, False, classes, classifier_activation
                            if include_top else None, pooling, input_shape, 224, 32,
                            input_tensor)
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{label}: with weights='imagenet' and include_top=True, classes "
                         f"must be 1000; received classes={classes!r}")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    rows, cols = c.spatial(input_shape)
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError(f"{label}: with weights='imagenet', alpha must be 0.75 or 1.0 "
                             f"(1.0 when minimalistic); received alpha={alpha!r}, "
                             f"minimalistic={minimalistic!r}")
        if rows != cols or rows != 224:
            warnings.warn(f"{label}: input_shape is undefined or non-square, or rows is not "
                          "224; the weights for input shape (224, 224) will be loaded",
                          stacklevel=3)
    variant = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    fname = f"weights_mobilenet_v3_{variant}{'.h5' if include_top else '_no_top_v2.h5'}"
    path = resolve_weights(label, weights, fname, f"{KERAS_BASE_URL}mobilenet_v3/{fname}")
    fmt = c.image_data_format()
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = img_input
    if include_preprocessing:
        x = c.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = c.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                 data_format=fmt, name="conv")(x)
    x = activation(_bn(x, "conv_bn"))
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[c.channel_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = c.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, data_format=fmt,
                 name="conv_1")(x)
    x = activation(_bn(x, "conv_1_bn"))
    if include_top:
        x = c.GlobalAveragePooling2D(data_format=fmt, keepdims=True)(x)
        x = c.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                     data_format=fmt, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = c.Dropout(dropout_rate)(x)
        x = c.Conv2D(classes, kernel_size=1, padding="same", data_format=fmt, name="logits")(x)
        x = c.Flatten()(x)
        x = c.Activation(classifier_activation, name="predictions")(x)
    else:
        x = c.pooled(x, pooling, avg_name="avg_pool", max_name="max_pool")
    return c.finish(inputs, x, name, path)


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """MobileNetV3Small (2,554,968 parameters at alpha=1 with the top); takes [0, 255]
    pixels when ``include_preprocessing`` (the default), else [-1, 1]."""
    def stack_fn(x, kernel, activation, se_ratio):
        def depth(d):
            return _depth(d * alpha)

        for block_id, (exp, filters, k, stride, se, act) in enumerate([
                (1, 16, 3, 2, se_ratio, relu), (72.0 / 16, 24, 3, 2, None, relu),
                (88.0 / 24, 24, 3, 1, None, relu), (4, 40, kernel, 2, se_ratio, activation),
                (6, 40, kernel, 1, se_ratio, activation),
                (6, 40, kernel, 1, se_ratio, activation),
                (3, 48, kernel, 1, se_ratio, activation),
                (3, 48, kernel, 1, se_ratio, activation),
                (6, 96, kernel, 2, se_ratio, activation),
                (6, 96, kernel, 1, se_ratio, activation),
                (6, 96, kernel, 1, se_ratio, activation)]):
            x = _inverted_res_block(x, exp, depth(filters), k, stride, se, act, block_id)
        return x

    return MobileNetV3(stack_fn, 1024, input_shape, alpha, "small", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """MobileNetV3Large (5,507,432 parameters at alpha=1 with the top); takes [0, 255]
    pixels when ``include_preprocessing`` (the default), else [-1, 1]."""
    def stack_fn(x, kernel, activation, se_ratio):
        def depth(d):
            return _depth(d * alpha)

        for block_id, (exp, filters, k, stride, se, act) in enumerate([
                (1, 16, 3, 1, None, relu), (4, 24, 3, 2, None, relu), (3, 24, 3, 1, None, relu),
                (3, 40, kernel, 2, se_ratio, relu), (3, 40, kernel, 1, se_ratio, relu),
                (3, 40, kernel, 1, se_ratio, relu), (6, 80, 3, 2, None, activation),
                (2.5, 80, 3, 1, None, activation), (2.3, 80, 3, 1, None, activation),
                (2.3, 80, 3, 1, None, activation), (6, 112, 3, 1, se_ratio, activation),
                (6, 112, 3, 1, se_ratio, activation), (6, 160, kernel, 2, se_ratio, activation),
                (6, 160, kernel, 1, se_ratio, activation),
                (6, 160, kernel, 1, se_ratio, activation)]):
            x = _inverted_res_block(x, exp, depth(filters), k, stride, se, act, block_id)
        return x

    return MobileNetV3(stack_fn, 1280, input_shape, alpha, "large", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)


def preprocess_input(x, data_format=None):
    """The identity: the model rescales its input itself (``include_preprocessing``)."""
    return x
