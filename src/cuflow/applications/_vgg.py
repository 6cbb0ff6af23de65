"""VGG16 / VGG19 (Simonyan & Zisserman, 2014), layer for layer as ``keras.applications``."""

from __future__ import annotations

from . import _common as c
from ._weights import KERAS_BASE_URL, resolve_weights

# convolutions per block; filters are 64, 128, 256, 512, 512
_BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(arch, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name):
    model_name = arch.upper()
    input_shape = c.prepare(model_name, weights, include_top, classes, classifier_activation,
                            pooling, input_shape, 224, 32, input_tensor)
    fname = f"{arch}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    path = resolve_weights(model_name, weights, fname, f"{KERAS_BASE_URL}{arch}/{fname}")
    fmt = c.image_data_format()
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = img_input
    for block, (convs, filters) in enumerate(zip(_BLOCKS[arch], _FILTERS), start=1):
        for i in range(1, convs + 1):
            x = c.Conv2D(filters, (3, 3), activation="relu", padding="same", data_format=fmt,
                         name=f"block{block}_conv{i}")(x)
        x = c.MaxPooling2D((2, 2), strides=(2, 2), data_format=fmt, name=f"block{block}_pool")(x)
    if include_top:
        x = c.Flatten(data_format=fmt, name="flatten")(x)
        x = c.Dense(4096, activation="relu", name="fc1")(x)
        x = c.Dense(4096, activation="relu", name="fc2")(x)
        x = c.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = c.pooled(x, pooling)
    return c.finish(inputs, x, name, path)
