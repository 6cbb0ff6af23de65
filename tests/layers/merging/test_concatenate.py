"""``Concatenate``: join along an axis; shapes with unknown sizes, gradients, config, errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers

from .._helpers import check_layer_gradients, round_trip

R = np.random.default_rng(3)


CASES = [
    ("concat", lambda: layers.Concatenate(axis=1), [(2, 3), (2, 2)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_concatenate_values_shapes_and_errors(device):
    a, b = R.normal(size=(2, 3, 4)), R.normal(size=(2, 5, 4))
    with cf.device(device):
        out = layers.concatenate([cf.Tensor(a), cf.Tensor(b)], axis=1)
    np.testing.assert_array_equal(out.numpy(), np.concatenate([a, b], 1))
    layer = layers.Concatenate(axis=1, name="cat")
    assert layer.compute_output_shape([(None, 3, 4), (None, None, 4)]) == (None, None, 4)
    with pytest.raises(ValueError, match=r'"cat" \(Concatenate\) requires inputs with matching '
                                         r"shapes except for the concatenation axis 1"):
        layer.compute_output_shape([(None, 3, 4), (None, 2, 5)])


def test_concatenate_mask_as_keras():
    x1 = layers.Masking()(cf.Tensor(np.array([[[0, 0], [1, 2], [0, 0], [3, 4]]], "float32")))
    x2 = cf.Tensor(np.array([[[0, 0], [0, 0], [1, 2], [3, 4]]], "float32"))
    out = layers.Concatenate(axis=1)([x1, x2])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[0, 1, 0, 1, 1, 1, 1, 1]])
    out = layers.Concatenate(axis=2)([x1, x2])
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[1, 1, 1, 1]])
    layer = layers.Concatenate()
    assert layer.compute_mask([x1, x2], [None, None]) is None
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layer.compute_mask([x1, x2], np.ones((1, 4), bool))
    assert layers.Dot(axes=-1).compute_mask([x1, x1], [None, None]) is None
