"""InceptionV3 (Szegedy et al., 2015), as ``keras.applications.inception_v3``."""

from __future__ import annotations

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions


def _axis():
    return 3 if c.image_data_format() == "channels_last" else 1


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Conv (no bias) + BatchNormalization (no scale) + relu; unnamed unless ``name``."""
    x = c.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                 data_format=c.image_data_format(),
                 name=None if name is None else name + "_conv")(x)
    x = c.BatchNormalization(axis=_axis(), scale=False,
                             name=None if name is None else name + "_bn")(x)
    return c.Activation("relu", name=name)(x)


def _pool(kind, x, strides, padding="valid"):
    cls = c.AveragePooling2D if kind == "avg" else c.MaxPooling2D
    return cls((3, 3), strides=strides, padding=padding, data_format=c.image_data_format())(x)


def _concat(branches, name=None):
    return c.Concatenate(axis=_axis(), name=name)(branches)


def _block_35(x, pool_filters, name):
    """mixed0-2 (35x35): 1x1, 5x5, double 3x3 and pooled branches."""
    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    b3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    bp = conv2d_bn(_pool("avg", x, (1, 1), "same"), pool_filters, 1, 1)
    return _concat([b1, b5, b3, bp], name)


def _block_17(x, mid, name):
    """mixed4-7 (17x17): factorised 7x7 convolutions with ``mid`` inner filters."""
    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(conv2d_bn(conv2d_bn(x, mid, 1, 1), mid, 1, 7), 192, 7, 1)
    bd = conv2d_bn(x, mid, 1, 1)
    for rows, cols, filters in ((7, 1, mid), (1, 7, mid), (7, 1, mid), (1, 7, 192)):
        bd = conv2d_bn(bd, filters, rows, cols)
    bp = conv2d_bn(_pool("avg", x, (1, 1), "same"), 192, 1, 1)
    return _concat([b1, b7, bd, bp], name)


def _block_8(x, i):
    """mixed9, mixed10 (8x8): expanded filter banks with split 1x3 / 3x1 convolutions."""
    b1 = conv2d_bn(x, 320, 1, 1)
    b3 = conv2d_bn(x, 384, 1, 1)
    b3 = _concat([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)], f"mixed9_{i}")
    bd = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    bd = _concat([conv2d_bn(bd, 384, 1, 3), conv2d_bn(bd, 384, 3, 1)])
    bp = conv2d_bn(_pool("avg", x, (1, 1), "same"), 192, 1, 1)
    return _concat([b1, b3, bd, bp], f"mixed{9 + i}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    """InceptionV3 (23,851,784 parameters with the top; default input 299x299, minimum 75).

    Expects inputs prepared by ``preprocess_input`` (tf mode: [-1, 1]).
    """
    input_shape = c.prepare("InceptionV3", weights, include_top, classes,
                            classifier_activation, pooling, input_shape, 299, 75, input_tensor)
    fname = ("inception_v3_weights_tf_dim_ordering_tf_kernels"
             f"{'' if include_top else '_notop'}.h5")
    path = resolve_weights("InceptionV3", weights, fname,
                           f"{KERAS_BASE_URL}inception_v3/{fname}")
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = _pool("max", x, (2, 2))
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = _pool("max", x, (2, 2))
    x = _block_35(x, 32, "mixed0")
    x = _block_35(x, 64, "mixed1")
    x = _block_35(x, 64, "mixed2")
    # mixed3: grid reduction 35 -> 17
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    bd = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    bd = conv2d_bn(bd, 96, 3, 3, strides=(2, 2), padding="valid")
    x = _concat([b3, bd, _pool("max", x, (2, 2))], "mixed3")
    x = _block_17(x, 128, "mixed4")
    x = _block_17(x, 160, "mixed5")
    x = _block_17(x, 160, "mixed6")
    x = _block_17(x, 192, "mixed7")
    # mixed8: grid reduction 17 -> 8
    b3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    x = _concat([b3, b7, _pool("max", x, (2, 2))], "mixed8")
    x = _block_8(x, 0)
    x = _block_8(x, 1)
    if include_top:
        x = c.GlobalAveragePooling2D(data_format=c.image_data_format(), name="avg_pool")(x)
        x = c.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = c.pooled(x, pooling)
    return c.finish(inputs, x, name, path)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
