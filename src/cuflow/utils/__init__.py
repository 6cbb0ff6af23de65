"""``cuflow.utils`` mirrors ``tf.keras.utils``: a plain list of re-exports from the submodules."""

from .np_utils import normalize, to_categorical
from .rng_utils import set_random_seed
