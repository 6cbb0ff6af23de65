"""``cuflow.applications.vgg16``, as ``keras.applications.vgg16``."""

from __future__ import annotations

from . import imagenet_utils
from ._vgg import build_vgg

decode_predictions = imagenet_utils.decode_predictions


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16: 13 convolutions + 3 dense layers (138,357,544 parameters with the top).

    ``weights``: None (random), 'imagenet' (Keras's file in ``$CUFLOW_HOME/models``) or a path.
    Expects inputs prepared by ``preprocess_input`` (caffe mode: BGR, mean-subtracted).
    """
    return build_vgg("vgg16", include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
