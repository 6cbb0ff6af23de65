"""Reference architectures, as ``keras.applications``: ``from cuflow.applications import VGG16``.

Each takes Keras's arguments (include_top, weights, input_tensor, input_shape, pooling,
classes, classifier_activation) and builds the same layers with the same names, so Keras's
pretrained files load by name. Pretrained files are never downloaded implicitly: they are read
from ``$CUFLOW_HOME/models`` (default ``~/.cuflow/models``).
"""

from . import (
    imagenet_utils,
    inception_v3,
    mobilenet_v2,
    resnet50,
    vgg16,
    vgg19,
    xception,
)
from .inception_v3 import InceptionV3
from .mobilenet_v2 import MobileNetV2
from .resnet50 import ResNet50
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

# Keras also exposes the ResNet family under keras.applications.resnet
resnet = resnet50

__all__ = ["InceptionV3", "MobileNetV2", "ResNet50", "VGG16", "VGG19", "Xception",
           "imagenet_utils", "inception_v3", "mobilenet_v2", "resnet", "resnet50", "vgg16",
           "vgg19", "xception"]
