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
