"""Preprocessing layers (exported from ``cuflow.layers`` as Keras does): they go through
``cuflow.ops``, so they run on either device and can sit inside a model."""

# cuflow.layers re-exports these classes from the submodules below; importing it first (it is
# cheap) makes either import order work without a partially initialised module in the cycle.
from ... import layers as _cuflow_layers  # noqa: F401
from .augment import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomHeight,
    RandomRotation,
    RandomTranslation,
    RandomWidth,
    RandomZoom,
)
from .geometry import CenterCrop, Resizing
from .scaling import Normalization, Rescaling

__all__ = ["CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop",
           "RandomFlip", "RandomHeight", "RandomRotation", "RandomTranslation", "RandomWidth",
           "RandomZoom", "Rescaling", "Resizing"]
