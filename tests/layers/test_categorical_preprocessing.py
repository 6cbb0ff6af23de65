"""Categorical preprocessing layers (StringLookup, IntegerLookup, Hashing, CategoryEncoding,
Discretization): the worked examples of the keras.io / Keras 3 docstrings reproduced exactly,
adapt on small data, OOV and mask handling, invert round trips, every output_mode, config round
trips, and errors that name what was received and what was expected.

The hashes are checked against published test vectors: FarmHash Fingerprint64 against
BigQuery's FARM_FINGERPRINT documentation, Redshift's farmFingerprint64 documentation and the
go-farm test table (every length path: 0-16, 17-32, 33-64, > 64 bytes); SipHash-2-4 against the
reference vectors of the SipHash paper (key 00..0f).
"""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.layers.preprocessing.categorical._categorical_utils import fingerprint64, siphash24


def val(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def roundtrip(layer):
    config = layer.get_config()
    return type(layer).from_config(config)


# ---- hash functions ------------------------------------------------------------------------
def _signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


@pytest.mark.parametrize("text, expected", [
    # BigQuery FARM_FINGERPRINT docs (signed INT64)
    ("1footrue", -1541654101129638711), ("2applefalse", 2794438866806483259),
    ("3true", -4880158226897771312), ("alphabet", -2427165924636348523),
    # Amazon Redshift farmFingerprint64 docs
    ("Amazon Redshift", 8085098817162212970),
])
def test_fingerprint64_published_values(text, expected):
    assert _signed(fingerprint64(text.encode())) == expected


@pytest.mark.parametrize("text, expected", [
    ("", 0x9AE16A3B2F90404F), ("a", 0xB3454265B6DF75E3), ("abcd", 0x1A5502DE4A1F8101),
    ("abcdefghi", 0x332C8ED4DAE5BA42), ("0123456789=012345", 0x46A7416ED4861E3B),
    ("Nepal premier won't resign.", 0x8EB3808D1CCFC779),
    ("C is as portable as Stonehedge!!", 0xB944F8A16261E414),
    ("Discard medicine more than two years old.", 0xE8F89AB6DF9BDD25),
    ("The days of the digital watch are numbered.  -Tom Stoppard", 0x2A578B80BB82147C),
    ("For every action there is an equal and opposite government program.",
     0x55182F8859ECA4CE),
    ("There is no reason for any individual to have a computer in their home. -Ken Olsen, 1977",
     0x7E85D7B050ED2967),
    ("The fugacity of a constituent in a mixture of gases at a given temperature is "
     "proportional to its mole fraction.  Lewis-Randall Rule", 0x098EFF6958C5E91A),
])
def test_fingerprint64_every_length_path(text, expected):
    assert fingerprint64(text.encode()) == expected


def test_siphash24_reference_vectors():
    key = bytes(range(16))
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    assert siphash24(k0, k1, b"") == 0x726FDB47DD0E0E31
    assert siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5


# ---- Hashing -------------------------------------------------------------------------------
INP = [["A"], ["B"], ["C"], ["D"], ["E"]]


def test_hashing_keras_examples():
    np.testing.assert_array_equal(val(L.Hashing(num_bins=3)(INP)), [[1], [0], [1], [1], [2]])
    masked = L.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])
    np.testing.assert_array_equal(val(masked), [[1], [1], [0], [2], [2]])
    salted = L.Hashing(num_bins=3, salt=[133, 137])(INP)
    np.testing.assert_array_equal(val(salted), [[1], [2], [1], [0], [2]])
    np.testing.assert_array_equal(val(L.Hashing(num_bins=3, salt=133)(INP)),
                                  [[0], [0], [2], [1], [0]])


def test_hashing_integers_hash_their_decimal_strings_and_encodings():
    layer = L.Hashing(num_bins=7)
    ints = val(layer(cf.Tensor(np.array([[12], [345]]))))
    strs = val(layer(np.array([["12"], ["345"]])))
    np.testing.assert_array_equal(ints, strs)
    assert ints.dtype == np.int64
    oh = val(L.Hashing(num_bins=3, output_mode="one_hot")(INP))
    np.testing.assert_array_equal(oh, np.eye(3)[[1, 0, 1, 1, 2]])
    mh = val(L.Hashing(num_bins=3, output_mode="multi_hot")([["A", "B", "C"]]))
    np.testing.assert_array_equal(mh, [[1, 1, 0]])
    cnt = val(L.Hashing(num_bins=3, output_mode="count")([["A", "C", "D", "E"]]))
    np.testing.assert_array_equal(cnt, [[0, 3, 1]])
    assert L.Hashing(num_bins=3, output_mode="count").compute_output_shape((None, 4)) == (None, 3)


def test_hashing_config_and_errors():
    layer = roundtrip(L.Hashing(num_bins=5, salt=7, mask_value="", output_mode="count"))
    assert (layer.num_bins, layer.salt, layer.mask_value) == (5, [7, 7], "")
    with pytest.raises(ValueError, match="num_bins must be an int >= 1; received 0"):
        L.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="output_mode must be one of .*received 'tf_idf'"):
        L.Hashing(num_bins=3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="salt must be None, an int, or a pair"):
        L.Hashing(num_bins=3, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="sparse=True is not supported.*expected sparse=False"):
        L.Hashing(num_bins=3, sparse=True)
    with pytest.raises(TypeError, match="expected string or integer inputs; received .*bool"):
        L.Hashing(num_bins=3)(np.array([[True]]))


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


def test_lookup_adapt_from_batches():
    layer = L.StringLookup()
    layer.adapt(iter([np.array(["a", "b"]), (np.array(["b"]), np.array([1]))]))
    assert layer.get_vocabulary() == ["[UNK]", "b", "a"]


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


# ---- IntegerLookup -------------------------------------------------------------------------
IVOCAB = [12, 36, 1138, 42]


def test_integer_lookup_keras_examples():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    np.testing.assert_array_equal(val(L.IntegerLookup(vocabulary=IVOCAB)(data)),
                                  [[1, 3, 4], [4, 0, 2]])
    layer = L.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(val(layer(data)), [[5, 2, 1], [1, 3, 4]])
    multi = L.IntegerLookup(vocabulary=IVOCAB, num_oov_indices=2)
    np.testing.assert_array_equal(val(multi(np.array([[12, 1138, 42], [37, 1000, 36]]))),
                                  [[2, 4, 5], [1, 0, 3]])
    oh = L.IntegerLookup(vocabulary=IVOCAB, output_mode="one_hot")(np.array([12, 36, 1138, 42, 7]))
    np.testing.assert_array_equal(val(oh), np.eye(5)[[1, 2, 3, 4, 0]])
    data4 = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    np.testing.assert_array_equal(
        val(L.IntegerLookup(vocabulary=IVOCAB, output_mode="multi_hot")(data4)),
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(
        val(L.IntegerLookup(vocabulary=IVOCAB, output_mode="count")(data4)),
        [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tfidf = L.IntegerLookup(output_mode="tf_idf", vocabulary=IVOCAB,
                            idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(val(tfidf(data4)), [[0, 0.25, 0, 0.6, 0.8],
                                                   [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inv = L.IntegerLookup(vocabulary=IVOCAB, invert=True)(np.array([[1, 3, 4], [4, 0, 2]]))
    np.testing.assert_array_equal(val(inv), [[12, 1138, 42], [42, -1, 36]])


def test_integer_lookup_device_round_trip_and_config():
    with cf.device("cpu"):
        x = cf.Tensor(np.array([[12, 99], [42, 36]]))
    fwd = L.IntegerLookup(vocabulary=IVOCAB, mask_token=0)
    idx = fwd(x)
    assert idx.device == x.device
    back = L.IntegerLookup(vocabulary=fwd.get_vocabulary(), mask_token=0, invert=True)(idx)
    np.testing.assert_array_equal(val(back), [[12, -1], [42, 36]])
    clone = roundtrip(L.IntegerLookup(vocabulary=IVOCAB, num_oov_indices=3,
                                      oov_method="farmhash"))
    assert clone.oov_method == "farmhash" and clone.get_vocabulary()[3:] == IVOCAB
    np.testing.assert_array_equal(val(clone(np.array([[37]]))),
                                  [[fingerprint64(b"37") % 3]])


def test_integer_lookup_errors():
    with pytest.raises(TypeError, match="expected integer inputs; received .*<U1; use "
                                        "StringLookup"):
        L.IntegerLookup(vocabulary=IVOCAB)(np.array([["a"]]))
    with pytest.raises(TypeError, match="oov_token must be an int"):
        L.IntegerLookup(oov_token="x")
    with pytest.raises(ValueError, match="has no vocabulary yet"):
        L.IntegerLookup(output_mode="multi_hot")(np.array([[1]]))


# ---- CategoryEncoding ----------------------------------------------------------------------
def test_category_encoding_keras_examples():
    oh = L.CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0, 1])
    assert oh.dtype == np.float32
    np.testing.assert_array_equal(val(oh), np.eye(4)[[3, 2, 0, 1]])
    mh = L.CategoryEncoding(num_tokens=4, output_mode="multi_hot")([[0, 1], [0, 0], [1, 2],
                                                                     [3, 1]])
    np.testing.assert_array_equal(val(mh), [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0],
                                            [0, 1, 0, 1]])
    cw = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    cnt = L.CategoryEncoding(num_tokens=4, output_mode="count")(
        [[0, 1], [0, 0], [1, 2], [3, 1]], count_weights=cw)
    np.testing.assert_allclose(val(cnt), [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0],
                                          [0, .2, 0, .4]], rtol=1e-6)


def test_category_encoding_shapes_config_and_errors():
    layer = L.CategoryEncoding(num_tokens=3, output_mode="one_hot")
    np.testing.assert_array_equal(val(layer(np.array([[2], [0]]))), [[0, 0, 1], [1, 0, 0]])
    assert layer.compute_output_shape((None, 1)) == (None, 3)
    assert layer.compute_output_shape((None, 2)) == (None, 2, 3)
    assert roundtrip(layer).get_config()["num_tokens"] == 3
    with pytest.raises(ValueError, match=r"expected inputs in \[0, 4\) .*received \[4, 7\]"):
        L.CategoryEncoding(num_tokens=4)([[4, 7]])
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match="count_weights is only used with output_mode="):
        L.CategoryEncoding(num_tokens=4)([[1]], count_weights=[[1.0]])
    with pytest.raises(TypeError, match="expected integer inputs; received non-integral"):
        L.CategoryEncoding(num_tokens=4)(np.array([[0.5]]))


# ---- Discretization ------------------------------------------------------------------------
XD = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])


def test_discretization_keras_examples():
    out = L.Discretization(bin_boundaries=[0., 1., 2.])(XD)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(val(out), [[0, 2, 3, 1], [1, 3, 2, 1]])
    layer = L.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(XD)
    np.testing.assert_array_equal(val(layer(XD)), [[0, 2, 3, 2], [1, 3, 3, 1]])
    assert layer.bin_boundaries == [0.0, 0.5, pytest.approx(1.3)]


def test_discretization_modes_adapt_batches_and_config():
    layer = L.Discretization(bin_boundaries=[0., 1.], output_mode="one_hot")
    np.testing.assert_array_equal(val(layer(np.array([-1., 0.5, 2.]))), np.eye(3))
    cnt = L.Discretization(bin_boundaries=[0., 1.], output_mode="count")(np.array([[-1, 2, 3]]))
    np.testing.assert_array_equal(val(cnt), [[1, 0, 2]])
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 100, size=(1000,))
    layer = L.Discretization(num_bins=4)
    layer.adapt(iter(np.split(data, 4)))
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(data, [.25, .5, .75]), atol=3)
    clone = roundtrip(layer)  # adapted: both num_bins and bin_boundaries in the config
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 4


def test_discretization_errors():
    with pytest.raises(ValueError, match="num_bins must be an int >= 1; received 0"):
        L.Discretization(num_bins=0)
    with pytest.raises(ValueError, match="num_bins must be an int >= 1; received -2"):
        L.Discretization(num_bins=-2)
    with pytest.raises(ValueError, match="not both"):
        L.Discretization(num_bins=2, bin_boundaries=[1.])
    with pytest.raises(ValueError, match="received neither"):
        L.Discretization()
    with pytest.raises(ValueError, match="no bin boundaries yet"):
        L.Discretization(num_bins=3)(XD)
    with pytest.raises(ValueError, match="sorted in increasing order"):
        L.Discretization(bin_boundaries=[2., 1.])
    with pytest.raises(TypeError, match="expected numeric inputs; received .*<U1"):
        L.Discretization(bin_boundaries=[1.])(np.array([["a"]]))
    with pytest.raises(ValueError, match="built with bin_boundaries"):
        L.Discretization(bin_boundaries=[1.]).adapt(XD)


def test_layers_are_exported_and_loadable_by_name():
    from cuflow.saving import registry

    for name in ("StringLookup", "IntegerLookup", "Hashing", "CategoryEncoding",
                 "Discretization", "TextVectorization"):
        assert registry.resolve_class(name) is getattr(L, name)
        assert not getattr(L, name)(**_minimal_args(name)).weights


def _minimal_args(name):
    return {"Hashing": {"num_bins": 2}, "CategoryEncoding": {"num_tokens": 2},
            "Discretization": {"bin_boundaries": [0.0]}}.get(name, {})
