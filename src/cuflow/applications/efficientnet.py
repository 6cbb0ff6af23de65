"""EfficientNetB0..B7 (Tan & Le, 2019), as ``keras.applications.efficientnet``.

The models take pixels in [0, 255]: the stem rescales to [0, 1] and normalizes (a
``Normalization`` layer whose mean/variance come with the ImageNet file), so
``preprocess_input`` is the identity, as in Keras.
"""

from __future__ import annotations

import copy
import math

from . import _common as c
from . import imagenet_utils
from ._weights import resolve_weights

decode_predictions = imagenet_utils.decode_predictions
BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]

# kernel, repeats, filters in/out, expansion, stride of the 7 stages (SE ratio 0.25, id_skip)
DEFAULT_BLOCKS_ARGS = [
    {"kernel_size": k, "repeats": r, "filters_in": fi, "filters_out": fo, "expand_ratio": e,
     "id_skip": True, "strides": s, "se_ratio": 0.25}
    for k, r, fi, fo, e, s in [(3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
                               (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1),
                               (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1)]]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out",
                                      "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out",
                                       "distribution": "uniform"}}


def _conv(x, filters, name, **kwargs):
    return c.Conv2D(filters, 1, padding="same", kernel_initializer=CONV_KERNEL_INITIALIZER,
                    data_format=c.image_data_format(), name=name, **kwargs)(x)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16,
          kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """MBConv: 1x1 expansion, depthwise conv, squeeze-and-excitation, 1x1 projection, and a
    residual (with per-sample drop) when the shape allows it."""
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(x, filters, name + "expand_conv", use_bias=False)
        x = c.Activation(activation, name=name + "expand_activation")(
            c.bn(x, name + "expand_bn"))
    x = c.depthwise(x, kernel_size, strides, name=name + "dwconv",
                    pad_name=name + "dwconv_pad", depthwise_initializer=CONV_KERNEL_INITIALIZER)
    x = c.Activation(activation, name=name + "activation")(c.bn(x, name + "bn"))
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = c.GlobalAveragePooling2D(data_format=c.image_data_format(),
                                      name=name + "se_squeeze")(x)
        se_shape = (1, 1, filters) if c.channel_axis() == -1 else (filters, 1, 1)
        se = c.Reshape(se_shape, name=name + "se_reshape")(se)
        se = _conv(se, filters_se, name + "se_reduce", activation=activation)
        se = _conv(se, filters, name + "se_expand", activation="sigmoid")
        x = c.Multiply(name=name + "se_excite")([x, se])
    x = _conv(x, filters_out, name + "project_conv", use_bias=False)
    x = c.bn(x, name + "project_bn")
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = c.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = c.Add(name=name + "add")([x, inputs])
    return x


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", model_name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", name=None):
    """The compound-scaled EfficientNet: widths scaled by ``width_coefficient`` (rounded to
    ``depth_divisor``), stage repeats by ``depth_coefficient`` (rounded up)."""
    label = {f"efficientnetb{i}": f"EfficientNetB{i}" for i in range(8)}.get(model_name,
                                                                              "EfficientNet")
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    if weights == "imagenet" and label == "EfficientNet":
        raise ValueError(f"EfficientNet: no ImageNet weights for model_name={model_name!r}")
    input_shape = c.prepare(label, weights, include_top, classes, classifier_activation,
                            pooling, input_shape, default_size, 32, input_tensor)
    fname = model_name + (".h5" if include_top else "_notop.h5")
    path = resolve_weights(label, weights, fname, BASE_WEIGHTS_PATH + fname)
    fmt = c.image_data_format()

    def round_filters(filters):
        return int(c.make_divisible(filters * width_coefficient, depth_divisor))

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = c.Rescaling(1.0 / 255.0)(img_input)
    x = c.Normalization(axis=c.channel_axis())(x)
    if weights == "imagenet":
        # Keras's Normalization divides by sqrt(variance) and the file stores variance =
        # stddev**2, while the original model divided by the variance itself
        x = c.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = c.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3, fmt), data_format=fmt,
                        name="stem_conv_pad")(x)
    x = c.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                 kernel_initializer=CONV_KERNEL_INITIALIZER, data_format=fmt,
                 name="stem_conv")(x)
    x = c.Activation(activation, name="stem_activation")(c.bn(x, "stem_bn"))

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    for i, args in enumerate(blocks_args):
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / blocks,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = _conv(x, round_filters(1280), "top_conv", use_bias=False)
    x = c.Activation(activation, name="top_activation")(c.bn(x, "top_bn"))
    x = c.top(x, include_top, pooling, classes, classifier_activation, dropout=dropout_rate,
              dense_kwargs={"kernel_initializer": DENSE_KERNEL_INITIALIZER})
    return c.finish(inputs, x, name or model_name, path)


def _variant(index, width, depth, size, dropout):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              name=f"efficientnetb{index}", **kwargs):
        return EfficientNet(width, depth, size, dropout, model_name=f"efficientnetb{index}",
                            include_top=include_top, weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, name=name, **kwargs)

    build.__name__ = build.__qualname__ = f"EfficientNetB{index}"
    build.__doc__ = (f"EfficientNetB{index}: width x{width}, depth x{depth}, default input "
                     f"{size}x{size}, top dropout {dropout}. Takes pixels in [0, 255].")
    return build


EfficientNetB0 = _variant(0, 1.0, 1.0, 224, 0.2)
EfficientNetB1 = _variant(1, 1.0, 1.1, 240, 0.2)
EfficientNetB2 = _variant(2, 1.1, 1.2, 260, 0.3)
EfficientNetB3 = _variant(3, 1.2, 1.4, 300, 0.3)
EfficientNetB4 = _variant(4, 1.4, 1.8, 380, 0.4)
EfficientNetB5 = _variant(5, 1.6, 2.2, 456, 0.4)
EfficientNetB6 = _variant(6, 1.8, 2.6, 528, 0.5)
EfficientNetB7 = _variant(7, 2.0, 3.1, 600, 0.5)


def preprocess_input(x, data_format=None):
    """The identity: EfficientNet rescales and normalizes inside the model (Keras keeps this
    function for compatibility)."""
    return x
