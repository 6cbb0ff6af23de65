"""User data to layer inputs: floating data takes the compute dtype, text stays a host array,
Tensors pass through, nested lists of numbers are one array (or one each for merging layers)."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow.layers.input_conversion import (
    as_input_tensor,
    convert_inputs,
    is_array_leaf,
    plain_array,
    shape_of,
)


def test_as_input_tensor_casts_floats_only():
    t = as_input_tensor(np.arange(6, dtype=np.float64).reshape(2, 3))
    assert isinstance(t, cf.Tensor) and t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.arange(6).reshape(2, 3))
    assert as_input_tensor(np.arange(3, dtype=np.int64)).dtype == np.int64
    assert as_input_tensor([1.5, 2.5], dtype="float64").dtype == np.float64
    x = cf.Tensor(np.ones(2, np.float16))
    assert as_input_tensor(x) is x  # Tensors are the layer's business, not cast here
    assert as_input_tensor(None) is None


def test_as_input_tensor_keeps_text_on_the_host():
    out = as_input_tensor(np.array(["a", "bc"]))
    assert isinstance(out, np.ndarray) and out.tolist() == ["a", "bc"]
    assert as_input_tensor("word").tolist() == "word"


def test_convert_inputs_structures():
    a, b = np.ones((2, 3)), np.zeros((2, 3))
    pair = convert_inputs([a, b], None)
    assert isinstance(pair, list) and all(isinstance(t, cf.Tensor) for t in pair)
    one = convert_inputs([[1.0, 2.0], [3.0, 4.0]], None)  # plain numbers: one array
    assert isinstance(one, cf.Tensor) and one.shape == (2, 2)
    each = convert_inputs([[1.0, 2.0], [3.0, 4.0]], None, multi_input=True)
    assert [t.shape for t in each] == [(2,), (2,)]
    named = convert_inputs({"x": a}, None, dtype="float64")
    assert named["x"].dtype == np.float64
    assert shape_of({"x": named["x"], "y": [pair[0]]}) == {"x": (2, 3), "y": [(2, 3)]}


def test_array_leaves_and_ragged_lists():
    assert is_array_leaf(np.ones(2)) and is_array_leaf(cf.Tensor(np.ones(2)))
    assert not is_array_leaf([1.0, 2.0]) and not is_array_leaf(3.0)
    np.testing.assert_array_equal(plain_array([[1, 2], [3, 4]]), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="cannot make an array from the nested list input"):
        plain_array([[1, 2], [3]])
