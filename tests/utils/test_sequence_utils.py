"""cuflow.utils.sequence_utils: pad_sequences against the Keras documentation, dtypes and
errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as tf
from cuflow import utils
from cuflow.preprocessing import sequence


def test_pad_sequences_keras_doc_examples():
    seqs = [[1], [2, 3], [4, 5, 6]]
    out = utils.pad_sequences(seqs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, value=-1),
                                  [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, padding="post"),
                                  [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, maxlen=2),
                                  [[0, 1], [2, 3], [5, 6]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, maxlen=2, truncating="post"),
                                  [[0, 1], [2, 3], [4, 5]])
    assert sequence.pad_sequences is utils.pad_sequences
    assert tf.keras.preprocessing.sequence.pad_sequences is utils.pad_sequences


def test_pad_sequences_dtypes_and_shapes():
    out = utils.pad_sequences([[0.5, 1.5], []], maxlen=3, dtype="float32", value=-1.0)
    np.testing.assert_array_equal(out, [[-1, 0.5, 1.5], [-1, -1, -1]])
    out = utils.pad_sequences([["a", "bb"], ["ccc"]], dtype=object, value="")
    assert out.dtype == object and out.tolist() == [["a", "bb"], ["", "ccc"]]
    out = utils.pad_sequences([["a"], ["b", "c"]], dtype="<U3", value="pad", padding="post")
    assert out.tolist() == [["a", "pad"], ["b", "c"]]
    steps = utils.pad_sequences([np.ones((1, 2)), np.zeros((3, 2))], dtype="float32")
    assert steps.shape == (2, 3, 2) and steps[0, :2].sum() == 0 and steps[0, 2].sum() == 2
    assert utils.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="not compatible with `value`'s type"):
        utils.pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match='Padding type "mid" not understood'):
        utils.pad_sequences([[1]], padding="mid")
    with pytest.raises(ValueError, match='Truncating type "x" not understood'):
        utils.pad_sequences([[1]], truncating="x")
    with pytest.raises(ValueError, match="must be a list of iterables"):
        utils.pad_sequences([1, 2])
    with pytest.raises(ValueError, match=r"Shape of sample \(3,\) of sequence at position 1"):
        utils.pad_sequences([np.ones((2, 2)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="`sequences` must be iterable"):
        utils.pad_sequences(5)
