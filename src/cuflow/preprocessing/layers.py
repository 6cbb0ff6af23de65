"""``cuflow.preprocessing.layers``: the image preprocessing layers under their
``tf.keras.preprocessing``-era path. They live in ``cuflow.layers.preprocessing.image`` and are
exported from ``cuflow.layers`` as Keras does; these are the same class objects."""

from ..layers import (
    CenterCrop,
    Normalization,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomHeight,
    RandomRotation,
    RandomTranslation,
    RandomWidth,
    RandomZoom,
    Rescaling,
    Resizing,
)

__all__ = ["CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop",
           "RandomFlip", "RandomHeight", "RandomRotation", "RandomTranslation", "RandomWidth",
           "RandomZoom", "Rescaling", "Resizing"]
