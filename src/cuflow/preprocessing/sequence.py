"""``cuflow.preprocessing.sequence``: the path of ``tf.keras.preprocessing.sequence``."""

from ..utils.sequence_utils import pad_sequences
from ..utils.timeseries import timeseries_dataset_from_array

__all__ = ["pad_sequences", "timeseries_dataset_from_array"]
