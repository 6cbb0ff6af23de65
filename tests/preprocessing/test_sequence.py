"""``cuflow.preprocessing.sequence``: the ``tf.keras.preprocessing.sequence`` path of
``pad_sequences`` and ``timeseries_dataset_from_array``."""

import numpy as np
import pytest

import cuflow
from cuflow.preprocessing import sequence


def test_same_functions_as_utils():
    assert sequence.pad_sequences is cuflow.utils.pad_sequences
    assert sequence.timeseries_dataset_from_array is cuflow.utils.timeseries_dataset_from_array


def test_pad_sequences_through_this_path():
    out = sequence.pad_sequences([[1, 2, 3], [4]], maxlen=3)
    np.testing.assert_array_equal(out, [[1, 2, 3], [0, 0, 4]])
    out = sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post")
    np.testing.assert_array_equal(out, [[1, 2], [4, 0]])
    with pytest.raises(ValueError, match="Padding type \"middle\" not understood"):
        sequence.pad_sequences([[1]], padding="middle")


def test_timeseries_windows_through_this_path():
    data = np.arange(10)
    batches = list(sequence.timeseries_dataset_from_array(data, None, sequence_length=3,
                                                          batch_size=4))
    windows = np.concatenate([b for b in batches])
    np.testing.assert_array_equal(windows, [data[i:i + 3] for i in range(8)])
