"""``IntegerLookup``: the keras.io examples exactly, device round trips, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L
from cuflow.layers.preprocessing.categorical._categorical_utils import fingerprint64

from ._helpers import roundtrip, val

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
