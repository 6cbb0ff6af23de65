"""``StringLookup``: the keras.io examples exactly, invert round trips and masks, adapt with
max_tokens / bytes / pad_to_max_tokens / tf_idf, config round trips keeping the adapted
vocabulary, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from ._helpers import roundtrip, val

# ---- StringLookup --------------------------------------------------------------------------
VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]


def test_string_lookup_keras_examples():
    out = L.StringLookup(vocabulary=VOCAB)(DATA)
    assert isinstance(out, cf.Tensor) and out.dtype == np.int64
    np.testing.assert_array_equal(val(out), [[1, 3, 4], [4, 0, 2]])

    layer = L.StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(val(layer(DATA)), [[5, 3, 1], [1, 2, 4]])

    multi = L.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    np.testing.assert_array_equal(val(multi([["a", "c", "d"], ["m", "z", "b"]])),
                                  [[2, 4, 5], [0, 1, 3]])

    oh = L.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    np.testing.assert_array_equal(val(oh), np.eye(5)[[1, 2, 3, 4, 0]])
    data4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    mh = L.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data4)
    np.testing.assert_array_equal(val(mh), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    cnt = L.StringLookup(vocabulary=VOCAB, output_mode="count")(data4)
    np.testing.assert_array_equal(val(cnt), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])

    tfidf = L.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(val(tfidf(data4)), [[0, 0.25, 0, 0.6, 0.8],
                                                   [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    tfidf2 = L.StringLookup(output_mode="tf_idf")
    tfidf2.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(val(tfidf2(data4)), [[0, 0.25, 0, 0.6, 0.8],
                                                    [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)

    inv = L.StringLookup(vocabulary=VOCAB, invert=True)([[1, 3, 4], [4, 0, 2]])
    np.testing.assert_array_equal(inv, [["a", "c", "d"], ["d", "[UNK]", "b"]])


def test_string_lookup_invert_round_trip_and_mask():
    fwd = L.StringLookup(vocabulary=VOCAB, mask_token="")
    assert fwd.get_vocabulary() == ["", "[UNK]"] + VOCAB
    data = np.array([["a", "", "z"], ["d", "b", ""]])
    idx = fwd(data)
    np.testing.assert_array_equal(val(idx), [[2, 0, 1], [5, 3, 0]])
    back = L.StringLookup(vocabulary=fwd.get_vocabulary(), mask_token="", invert=True)(idx)
    np.testing.assert_array_equal(back, [["a", "", "[UNK]"], ["d", "b", ""]])
    # outside int mode the mask is not a slot and masked inputs are dropped
    mh = L.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="multi_hot")
    assert mh.vocabulary_size() == 5
    np.testing.assert_array_equal(val(mh([["", "a"]])), [[0, 1, 0, 0, 0]])


def test_string_lookup_adapt_max_tokens_bytes_and_pad_to_max_tokens():
    layer = L.StringLookup(max_tokens=3)
    layer.adapt(np.array([b"x", b"y", b"y", b"z", b"z", b"z"]))
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"]
    assert layer.vocabulary_size() == 3
    assert layer.get_vocabulary(include_special_tokens=False) == ["z", "y"]
    padded = L.StringLookup(vocabulary=["p", "q"], max_tokens=6, pad_to_max_tokens=True,
                            output_mode="multi_hot")
    np.testing.assert_array_equal(val(padded([["q"]])), [[0, 0, 1, 0, 0, 0]])
    assert padded.compute_output_shape((None, 3)) == (None, 6)


def test_string_lookup_adapt_tf_idf():
    layer = L.StringLookup(output_mode="tf_idf")
    docs = [["a", "a", "b"], ["b", "c", "c"]]
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]
    idf = np.log(1 + 2 / (1 + np.array([1, 2, 1])))  # c, b, a document counts
    weights = np.concatenate([[idf.astype(np.float32).mean()], idf])
    out = val(layer([["a", "a", "q"]]))
    np.testing.assert_allclose(out, [[weights[0], 0, 0, 2 * weights[3]]], rtol=1e-6)


def test_string_lookup_config_round_trip_keeps_adapted_vocabulary():
    layer = L.StringLookup(num_oov_indices=2, mask_token="[M]")
    layer.adapt(DATA)
    clone = roundtrip(layer)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(val(clone(DATA)), val(layer(DATA)))
    clone.adapt([["q"]])  # still adaptable: the vocabulary came from adapt, not the user
    assert clone.get_vocabulary() == ["[M]", "[UNK]", "[UNK]", "q"]
    tfidf = L.StringLookup(output_mode="tf_idf", vocabulary=VOCAB,
                           idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(val(roundtrip(tfidf)([["a", "z"]])), val(tfidf([["a", "z"]])))


def test_string_lookup_errors():
    with pytest.raises(ValueError, match="has no vocabulary yet.*adapt"):
        L.StringLookup()([["a"]])
    with pytest.raises(ValueError, match="output_mode must be one of .*received 'bogus'"):
        L.StringLookup(output_mode="bogus")
    with pytest.raises(TypeError, match="expected string inputs .*received an array of dtype "
                                        "int64; use IntegerLookup"):
        L.StringLookup(vocabulary=VOCAB)(np.array([[1, 2]]))
    with pytest.raises(ValueError, match="num_oov_indices=0 .*received out-of-vocabulary "
                                         r"tokens \['z'\]"):
        L.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DATA)
    with pytest.raises(ValueError, match=r"repeats \['a'\]"):
        L.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="invert=True needs output_mode=\"int\""):
        L.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="max_tokens must be None or an int greater than 1"):
        L.StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match="fixed vocabulary"):
        L.StringLookup(vocabulary=VOCAB).adapt(DATA)
    with pytest.raises(ValueError, match="6 entries .*max_tokens is 3"):
        L.StringLookup(vocabulary=["a", "b", "c", "d", "e"], max_tokens=3)
    with pytest.raises(ValueError, match="give idf_weights too"):
        L.StringLookup(vocabulary=VOCAB, output_mode="tf_idf")
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        L.StringLookup(sparse=True)
    with pytest.raises(TypeError, match="holding int"):
        L.StringLookup(vocabulary=VOCAB)(np.array([["a", 3]], dtype=object))
