"""``Hashing``: the keras.io examples exactly (FarmHash buckets, salted SipHash, mask values),
integers hashed as their decimal strings, every output_mode, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers as L

from ._helpers import roundtrip, val

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
