"""``cuflow.preprocessing``: data preprocessing, as ``tf.keras.preprocessing``.

``image`` holds ``ImageDataGenerator`` and image file helpers; the preprocessing *layers*
(Rescaling, Normalization, RandomFlip, ...) live in ``layers`` and are exported from
``cuflow.layers`` as Keras does.
"""

from ..utils.directory_dataset import image_dataset_from_directory, text_dataset_from_directory
from ..utils.timeseries import timeseries_dataset_from_array
from . import image, layers, sequence

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
