"""Preprocessing layers (exported from ``cuflow.layers`` as Keras does): they go through
``cuflow.ops``, so they run on either device and can sit inside a model."""

from .augment import RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .geometry import CenterCrop, Resizing
from .scaling import Normalization, Rescaling

__all__ = ["CenterCrop", "Normalization", "RandomContrast", "RandomFlip", "RandomRotation",
           "RandomTranslation", "RandomZoom", "Rescaling", "Resizing"]
