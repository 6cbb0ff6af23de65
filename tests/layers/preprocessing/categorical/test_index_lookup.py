"""``IndexLookup``, the base of StringLookup and IntegerLookup: the index layout (mask, OOV slots,
vocabulary), adapt from batches, vocabulary checks, the inverse lookup."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as L

from ._helpers import val


def test_lookup_adapt_from_batches():
    layer = L.StringLookup()
    layer.adapt(iter([np.array(["a", "b"]), (np.array(["b"]), np.array([1]))]))
    assert layer.get_vocabulary() == ["[UNK]", "b", "a"]


@pytest.mark.parametrize("cls,vocab,mask,oov", [(L.StringLookup, ["x", "y"], "", "[UNK]"),
                                                 (L.IntegerLookup, [7, 9], 0, -1)])
def test_index_layout_is_shared(cls, vocab, mask, oov):
    layer = cls(vocabulary=vocab, mask_token=mask, num_oov_indices=2)
    assert layer.get_vocabulary() == [mask, oov, oov] + vocab
    assert layer.vocabulary_size() == 5
    assert layer.get_vocabulary(include_special_tokens=False) == vocab
    out = val(layer(np.array([[vocab[1], mask, vocab[0]]], dtype=type(vocab[0]) if cls is
                             L.IntegerLookup else object)))
    np.testing.assert_array_equal(out, [[4, 0, 3]])
    inverse = cls(vocabulary=vocab, invert=True)
    back = val(inverse(np.array([[1, 2]])))
    assert [v.item() if hasattr(v, "item") else v for v in back[0]] == vocab


def test_set_vocabulary_checks():
    layer = L.StringLookup(mask_token="[M]")
    with pytest.raises(ValueError, match="cannot set an empty vocabulary"):
        layer.set_vocabulary([])
    with pytest.raises(ValueError, match="the vocabulary repeats"):
        layer.set_vocabulary(["a", "a"])
    with pytest.raises(ValueError, match="the vocabulary must be 1-D"):
        layer.set_vocabulary([["a"], ["b"]])
    with pytest.raises(ValueError, match='invert=True needs output_mode="int"'):
        L.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="has no vocabulary"):
        L.StringLookup()(np.array(["a"]))
