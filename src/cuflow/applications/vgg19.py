"""``cuflow.applications.vgg19``, as ``keras.applications.vgg19``."""

from __future__ import annotations

from . import imagenet_utils
from ._vgg import build_vgg

decode_predictions = imagenet_utils.decode_predictions


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19: 16 convolutions + 3 dense layers (143,667,240 parameters with the top).

    ``weights``: None (random), 'imagenet' (Keras's file in ``$CUFLOW_HOME/models``) or a path.
    Expects inputs prepared by ``preprocess_input`` (caffe mode: BGR, mean-subtracted).
    """
    return build_vgg("vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
