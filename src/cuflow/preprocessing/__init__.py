"""``cuflow.preprocessing``: data preprocessing, as ``tf.keras.preprocessing``.

``image`` holds ``ImageDataGenerator`` and image file helpers; the preprocessing *layers*
(Rescaling, Normalization, RandomFlip, ...) live in ``layers`` and are exported from
``cuflow.layers`` as Keras does.
"""

from . import image
