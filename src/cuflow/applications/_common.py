"""Building blocks shared by the application models: the layer classes they use, the model
input from ``input_tensor`` / ``input_shape``, and the classifier or pooling head."""

from __future__ import annotations

from .. import layers as _layers
from ..layers import (  # noqa: F401 (re-exported for the model files)
    Activation,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Concatenate,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Input,
    InputLayer,
    KerasTensor,
    MaxPooling2D,
    Multiply,
    Normalization,
    ReLU,
    Rescaling,
    Reshape,
    SeparableConv2D,
    ZeroPadding2D,
)
from ..models import Model
from ..tree import flatten as _flatten
from . import imagenet_utils


def image_data_format():
    """The global image layout when cuflow grows a config for it; channels_last until then."""
    try:
        from .. import config
    except ImportError:
        return "channels_last"
    fn = getattr(config, "image_data_format", None)
    return fn() if fn is not None else "channels_last"


def channel_axis():
    return -1 if image_data_format() == "channels_last" else 1


def bn(x, name=None, epsilon=1e-3, momentum=0.99):
    """BatchNormalization over the channel axis (Keras's default epsilon and momentum unless
    the architecture sets its own)."""
    return BatchNormalization(axis=channel_axis(), epsilon=epsilon, momentum=momentum,
                              name=name)(x)


def make_divisible(v, divisor=8, min_value=None):
    """Round a channel count to a multiple of ``divisor``, never dropping more than 10%
    (MobileNetV2/V3's _make_divisible, EfficientNet's round_filters)."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def depthwise(x, kernel_size, strides, name, pad_name, depth_multiplier=1, **kwargs):
    """A bias-free DepthwiseConv2D; stride 2 gets TF's 'same' padding through an explicit
    ZeroPadding2D named ``pad_name`` and a 'valid' convolution, as in the Keras models."""
    fmt = image_data_format()
    if strides == 2:
        x = ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size, fmt),
                          data_format=fmt, name=pad_name)(x)
    return DepthwiseConv2D(kernel_size, strides=strides,
                           padding="same" if strides == 1 else "valid",
                           depth_multiplier=depth_multiplier, use_bias=False, data_format=fmt,
                           name=name, **kwargs)(x)


def check_size(model_name, input_shape, min_size=32):
    """Keras's minimum-size check for the models that build on a free ``(None, None, 3)``."""
    rows, cols = spatial(input_shape)
    if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
        raise ValueError(f"{model_name}: input size must be at least {min_size}x{min_size}; "
                         f"received input_shape={tuple(input_shape)}")


def spatial(input_shape):
    """(rows, cols) of a 3-item image shape in the current data format, else (None, None)."""
    if input_shape is None or len(input_shape) != 3:
        return None, None
    if image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def top(x, include_top, pooling, classes, classifier_activation, dropout=0.0, avg_name="avg_pool",
        max_name="max_pool", dense_kwargs=None):
    """Global average pooling + (Dropout) + Dense ``predictions``, or the pooling head."""
    if not include_top:
        return pooled(x, pooling, avg_name=avg_name, max_name=max_name)
    x = GlobalAveragePooling2D(data_format=image_data_format(), name=avg_name)(x)
    if dropout > 0:
        x = Dropout(dropout, name="top_dropout")(x)
    return Dense(classes, activation=classifier_activation, name="predictions",
                 **(dense_kwargs or {}))(x)


def relu6(name):
    # Keras uses layers.ReLU(6.0); Activation('relu6') computes the same and has no weights
    relu = getattr(_layers, "ReLU", None)
    return relu(6.0, name=name) if relu is not None else Activation("relu6", name=name)


def source_inputs(tensor):
    """The ``Input`` tensors a symbolic tensor was computed from (Keras's get_source_inputs)."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        kt = stack.pop()
        layer, node_index, _ = kt._keras_history
        if isinstance(layer, InputLayer):
            if id(kt) not in seen:
                seen.add(id(kt))
                found.append(kt)
            continue
        node = layer._inbound_nodes[node_index]
        stack.extend(reversed(_flatten(node.inputs)))
    return found[0] if len(found) == 1 else found


def model_input(input_tensor, input_shape):
    """(tensor the layers start from, what ``Model(inputs=...)`` gets)."""
    if input_tensor is None:
        img_input = Input(shape=input_shape)
        return img_input, img_input
    if not isinstance(input_tensor, KerasTensor):
        raise TypeError(f"input_tensor must be a symbolic tensor from cuflow.layers.Input (or a "
                        f"layer output); received {type(input_tensor).__name__}")
    return input_tensor, source_inputs(input_tensor)


def prepare(model_name, weights, include_top, classes, classifier_activation, pooling,
            input_shape, default_size, min_size, input_tensor=None):
    """Keras's argument checks (before anything is built) and the resolved input shape."""
    from ._weights import check_weights_arg

    check_weights_arg(model_name, weights, include_top, classes)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model_name}: pooling must be None, 'avg' or 'max'; received "
                         f"{pooling!r}")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    return imagenet_utils.obtain_input_shape(input_shape, default_size=default_size,
                                             min_size=min_size,
                                             data_format=image_data_format(),
                                             require_flatten=include_top, weights=weights)


def pooled(x, pooling, avg_name=None, max_name=None):
    """The ``include_top=False`` head: global average / max pooling, or the feature map."""
    fmt = image_data_format()
    if pooling == "avg":
        return GlobalAveragePooling2D(data_format=fmt, name=avg_name)(x)
    if pooling == "max":
        return GlobalMaxPooling2D(data_format=fmt, name=max_name)(x)
    return x


def finish(inputs, x, name, weights_path):
    from ._weights import load_into

    return load_into(Model(inputs, x, name=name), weights_path)
