"""ConvNeXt Tiny / Small / Base / Large / XLarge (Liu et al., 2022), as
``keras.applications.convnext`` (Keras 3).

The models take pixels in [0, 255]: with ``include_preprocessing`` the stem normalizes with the
ImageNet mean / variance (a ``Normalization`` layer given constants, so it holds no weights), and
``preprocess_input`` is the identity, as in Keras.
"""

from __future__ import annotations

from .. import ops
from ..initializers import Constant
from ..layers import Layer, LayerNormalization
from ..models import Sequential
from ..saving import register_serializable
from . import _common as c
from . import imagenet_utils
from ._weights import resolve_weights

decode_predictions = imagenet_utils.decode_predictions
BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"

MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768]},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768]},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024]},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536]},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048]},
}


@register_serializable(package="cuflow.applications.convnext")
class StochasticDepth(Layer):
    """Drops the whole residual branch of a sample with probability ``drop_path_rate`` while
    training (scaling the kept ones by 1 / (1 - rate)); the identity at inference."""

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        rate = float(drop_path_rate)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"StochasticDepth: drop_path_rate must be in [0, 1); received "
                             f"{drop_path_rate!r}")
        self.drop_path_rate = rate

    def call(self, x, training=None):
        if not training or self.drop_path_rate == 0.0:
            return x
        noise = (x.shape[0],) + (1,) * (x.ndim - 1)
        return ops.dropout(x, self.drop_path_rate, training=True, noise_shape=noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


@register_serializable(package="cuflow.applications.convnext")
class LayerScale(Layer):
    """Multiplies each channel by a learned ``gamma`` (initialized to ``init_values``)."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = float(init_values)
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(self.projection_dim,),
                                     initializer=Constant(self.init_values), trainable=True)

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """Depthwise 7x7 conv, LayerNorm, Dense 4x + GELU, Dense, LayerScale, StochasticDepth, and
    the residual add."""

    def apply(inputs):
        x = c.Conv2D(projection_dim, 7, padding="same", groups=projection_dim,
                     name=name + "_depthwise_conv")(inputs)
        x = LayerNormalization(epsilon=1e-6, name=name + "_layernorm")(x)
        x = c.Dense(4 * projection_dim, name=name + "_pointwise_conv_1")(x)
        x = c.Activation("gelu", name=name + "_gelu")(x)
        x = c.Dense(projection_dim, name=name + "_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=name + "_layer_scale")(x)
        if drop_path_rate:
            x = StochasticDepth(drop_path_rate, name=name + "_stochastic_depth")(x)
        else:
            x = c.Activation("linear", name=name + "_identity")(x)
        # Keras adds with ops (no layer); cuflow's symbolic tensors need an Add layer
        return c.Add(name=name + "_add")([inputs, x])

    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,
             default_size=224, name="convnext", include_preprocessing=True, include_top=True,
             weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax"):
    """The ConvNeXt trunk: a 4x4 patchify stem, four stages of ConvNeXt blocks with 2x2
    downsampling between them, and a pooled LayerNorm + Dense head."""
    label = {f"convnext_{k}": f"ConvNeXt{k.capitalize() if k != 'xlarge' else 'XLarge'}"
             for k in MODEL_CONFIGS}.get(name, "ConvNeXt")
    if len(depths) != 4 or len(projection_dims) != 4:
        raise ValueError(f"{label}: depths and projection_dims must have 4 items; received "
                         f"{depths!r} and {projection_dims!r}")
    if not 0.0 <= float(drop_path_rate) < 1.0:
        raise ValueError(f"{label}: drop_path_rate must be in [0, 1); received "
                         f"{drop_path_rate!r}")
    if weights == "imagenet" and label == "ConvNeXt":
        raise ValueError(f"ConvNeXt: no ImageNet weights for name={name!r}")
    input_shape = c.prepare(label, weights, include_top, classes, classifier_activation,
                            pooling, input_shape, default_size, 32, input_tensor)
    fname = name + (".h5" if include_top else "_notop.h5")
    path = resolve_weights(label, weights, fname, BASE_WEIGHTS_PATH + fname)

    img_input, inputs = c.model_input(input_tensor, input_shape)
    x = img_input
    channels = input_shape[-1] if c.channel_axis() == -1 else input_shape[0]
    if include_preprocessing and channels == 3:
        x = c.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2,
                                      (0.225 * 255) ** 2],
                            name=name + "_prestem_normalization")(x)

    downsample = [Sequential([
        c.Conv2D(projection_dims[0], 4, strides=4, name=name + "_stem_conv"),
        LayerNormalization(epsilon=1e-6, name=name + "_stem_layernorm"),
    ], name=name + "_stem")]
    for i in range(3):
        downsample.append(Sequential([
            LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            c.Conv2D(projection_dims[i + 1], 2, strides=2,
                     name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))

    total = sum(depths)
    rates = [float(drop_path_rate) * k / (total - 1) if total > 1 else 0.0
             for k in range(total)]  # np.linspace(0, drop_path_rate, total)
    cur = 0
    for i in range(4):
        x = downsample[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], rates[cur + j], layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]

    fmt = c.image_data_format()
    if include_top:
        x = c.GlobalAveragePooling2D(data_format=fmt, name=name + "_head_gap")(x)
        x = LayerNormalization(epsilon=1e-6, name=name + "_head_layernorm")(x)
        x = c.Dense(classes, activation=classifier_activation, name=name + "_head_dense")(x)
    else:
        x = c.pooled(x, pooling)
        x = LayerNormalization(epsilon=1e-6)(x)
    return c.finish(inputs, x, name, path)


def _variant(key):
    cfg = MODEL_CONFIGS[key]
    label = "ConvNeXt" + ("XLarge" if key == "xlarge" else key.capitalize())

    def build(model_name=f"convnext_{key}", include_top=True, include_preprocessing=True,
              weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax"):
        return ConvNeXt(cfg["depths"], cfg["projection_dims"], drop_path_rate=0.0,
                        layer_scale_init_value=1e-6, default_size=224, name=model_name,
                        include_preprocessing=include_preprocessing, include_top=include_top,
                        weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                        pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)

    build.__name__ = build.__qualname__ = label
    build.__doc__ = (f"{label}: depths {cfg['depths']}, widths {cfg['projection_dims']}, "
                     f"default input 224x224. Takes pixels in [0, 255].")
    return build


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


def preprocess_input(x, data_format=None):
    """The identity: ConvNeXt normalizes inside the model (Keras keeps this function for
    compatibility)."""
    return x
