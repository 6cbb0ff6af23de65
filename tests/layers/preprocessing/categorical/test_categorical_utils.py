"""The host-side helpers of the categorical layers: FarmHash Fingerprint64 against published
values (BigQuery's FARM_FINGERPRINT, Redshift's farmFingerprint64, the go-farm table: every
length path 0-16, 17-32, 33-64, > 64 bytes), SipHash-2-4 against the paper's reference vectors
(key 00..0f), the encodings and the argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers.preprocessing.categorical import _categorical_utils as U
from cuflow.layers.preprocessing.categorical._categorical_utils import fingerprint64, siphash24

from ._helpers import val


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


def test_encode_categorical_modes():
    idx = np.array([[0, 2, 2], [1, 1, 3]])
    multi = val(U.encode_categorical(idx, "multi_hot", 4, "L"))
    np.testing.assert_array_equal(multi, [[1, 0, 1, 0], [0, 1, 0, 1]])
    count = val(U.encode_categorical(idx, "count", 4, "L"))
    np.testing.assert_array_equal(count, [[1, 0, 2, 0], [0, 2, 0, 1]])
    one = val(U.encode_categorical(np.array([2, 0]), "one_hot", 3, "L"))
    np.testing.assert_array_equal(one, np.eye(3)[[2, 0]])
    assert U.encoded_shape((None, 3), "count", 4) == (None, 4)


def test_argument_checks_and_batches():
    assert U.positive_int("L", "n", None, allow_none=True) is None
    with pytest.raises(ValueError, match="L: n must be an int >= 2 or None; received 1"):
        U.positive_int("L", "n", 1, minimum=2, allow_none=True)
    with pytest.raises(ValueError, match="output_mode must be one of"):
        U.check_output_mode("L", "dense", U.ENCODINGS)
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        U.refuse_sparse("L", sparse=True)
    batches = list(U.batches(iter([np.array([1, 2]), (np.array([3]), np.array([0]))]), None))
    assert [b.tolist() for b, _ in batches] == [[1, 2], [3]]
