"""What the merging layers share: a list of at least two inputs, broadcast shapes, no output
mask, and the functional forms."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.layers.merging.base_merge import _broadcast_shapes

R = np.random.default_rng(3)


def test_merge_errors_name_layer():
    with pytest.raises(ValueError, match="at least 2"):
        layers.Add(name="adder")([cf.Tensor(np.ones((2, 2)))])
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([layers.Input(shape=(3,)), layers.Input(shape=(4,))])


def test_broadcast_shapes():
    layer = layers.Add(name="a")
    assert _broadcast_shapes(layer, [(None, 1, 3), (None, 4, 3)]) == (None, 4, 3)
    assert _broadcast_shapes(layer, [(2, 3), (3,)]) == (2, 3)
    assert _broadcast_shapes(layer, [(None, 3), (None, 3)]) == (None, 3)
    with pytest.raises(ValueError, match=r'"a" \(Add\) received inputs with incompatible '
                                         r"shapes \[\(2, 3\), \(2, 4\)\]"):
        _broadcast_shapes(layer, [(2, 3), (2, 4)])


def test_merges_drop_the_mask_and_functional_forms_make_layers():
    a = layers.Embedding(3, 2, mask_zero=True)(np.array([[0, 1]]))
    assert layers.Add()([a, a])._keras_mask is None
    x, y = layers.Input((3,)), layers.Input((3,))
    out = layers.add([x, y], name="plus")
    assert out.shape == (None, 3) and out._keras_history[0].name == "plus"
