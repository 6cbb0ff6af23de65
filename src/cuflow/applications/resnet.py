"""ResNet50/101/152 (He et al., 2015) and the shared ResNet builder, as
``keras.applications.resnet``; ``resnet_v2`` builds the pre-activation variants from the same
stem, blocks and head."""

from __future__ import annotations

from . import _common as c
from . import imagenet_utils
from ._weights import KERAS_BASE_URL, resolve_weights

decode_predictions = imagenet_utils.decode_predictions
_EPS = 1.001e-5  # Keras's BatchNormalization epsilon for the ResNets


def _bn(x, name):
    return c.bn(x, name, epsilon=_EPS)


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
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
    x = c.Conv2D(filters, kernel_size, padding="same", data_format=fmt,
                 name=name + "_2_conv")(x)
    x = c.Activation("relu", name=name + "_2_relu")(_bn(x, name + "_2_bn"))
    x = c.Conv2D(4 * filters, 1, data_format=fmt, name=name + "_3_conv")(x)
    x = _bn(x, name + "_3_bn")
    x = c.Add(name=name + "_add")([shortcut, x])
    return c.Activation("relu", name=name + "_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    x = residual_block_v1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """Pre-activation block: BN-relu first; the stride sits on the 3x3 conv and an identity
    shortcut is subsampled by a (unnamed, as in Keras) 1x1/stride max pooling."""
    fmt = c.image_data_format()
    preact = c.Activation("relu", name=name + "_preact_relu")(_bn(x, name + "_preact_bn"))
    if conv_shortcut:
        shortcut = c.Conv2D(4 * filters, 1, strides=stride, data_format=fmt,
                            name=name + "_0_conv")(preact)
    else:
        shortcut = c.MaxPooling2D(1, strides=stride, data_format=fmt)(x) if stride > 1 else x
    x = c.Conv2D(filters, 1, strides=1, use_bias=False, data_format=fmt,
                 name=name + "_1_conv")(preact)
    x = c.Activation("relu", name=name + "_1_relu")(_bn(x, name + "_1_bn"))
    x = c.ZeroPadding2D(padding=((1, 1), (1, 1)), data_format=fmt, name=name + "_2_pad")(x)
    x = c.Conv2D(filters, kernel_size, strides=stride, use_bias=False, data_format=fmt,
                 name=name + "_2_conv")(x)
    x = c.Activation("relu", name=name + "_2_relu")(_bn(x, name + "_2_bn"))
    x = c.Conv2D(4 * filters, 1, data_format=fmt, name=name + "_3_conv")(x)
    return c.Add(name=name + "_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """V2 stacks downsample in their last block, not their first."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def ResNet(stack_fn, preact, use_bias, model_name="resnet", include_top=True,
           weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax", weights_name=None, label=None):
    """The ResNet / ResNetV2 skeleton: 7x7/2 stem, 3x3/2 max pooling, ``stack_fn``, then (V2)
    a final BN-relu, and the head. ImageNet files are Keras's ``{weights_name}_weights_tf_...``
    (``weights_name`` defaults to ``model_name``)."""
    label = label or model_name
    input_shape = c.prepare(label, weights, include_top, classes, classifier_activation,
                            pooling, input_shape, 224, 32, input_tensor)
    stem = weights_name or model_name
    fname = f"{stem}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    path = resolve_weights(label, weights, fname, f"{KERAS_BASE_URL}resnet/{fname}")
    fmt = c.image_data_format()
    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = c.ZeroPadding2D(padding=((3, 3), (3, 3)), data_format=fmt, name="conv1_pad")(img_input)
    x = c.Conv2D(64, 7, strides=2, use_bias=use_bias, data_format=fmt, name="conv1_conv")(x)
    if not preact:
        x = c.Activation("relu", name="conv1_relu")(_bn(x, "conv1_bn"))
    x = c.ZeroPadding2D(padding=((1, 1), (1, 1)), data_format=fmt, name="pool1_pad")(x)
    x = c.MaxPooling2D(3, strides=2, data_format=fmt, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = c.Activation("relu", name="post_relu")(_bn(x, "post_bn"))
    x = c.top(x, include_top, pooling, classes, classifier_activation)
    return c.finish(inputs, x, model_name, path)


def _v1(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")
    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50: 16 bottleneck blocks in 4 stages (25,636,712 parameters with the top).

    Expects inputs prepared by ``preprocess_input`` (caffe mode).
    """
    return ResNet(_v1((3, 4, 6, 3)), False, True, name, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation,
                  weights_name="resnet50", label="ResNet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101 (44,707,176 parameters with the top); caffe-mode ``preprocess_input``."""
    return ResNet(_v1((3, 4, 23, 3)), False, True, name, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation,
                  weights_name="resnet101", label="ResNet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152 (60,419,944 parameters with the top); caffe-mode ``preprocess_input``."""
    return ResNet(_v1((3, 8, 36, 3)), False, True, name, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation,
                  weights_name="resnet152", label="ResNet152")


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
