"""ResNet50, as ``keras.applications.resnet50`` (built by ``resnet``)."""

from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
