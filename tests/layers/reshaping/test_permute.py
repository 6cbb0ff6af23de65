"""``Permute``: reorder the non-batch axes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cuflow import layers

from .._helpers import check_layer_gradients, round_trip
from .._helpers import run_on as run

R = np.random.default_rng(3)


CASES = [
    ("permute", lambda: layers.Permute((2, 1)), [(2, 3, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_permute_values_shape_and_errors(device):
    x = R.normal(size=(2, 3, 4, 5))
    y = run(layers.Permute((3, 1, 2)), x, device)
    np.testing.assert_array_equal(y.numpy(), np.transpose(x, (0, 3, 1, 2)))
    assert layers.Permute((2, 1)).compute_output_shape((None, 3, 4)) == (None, 4, 3)
    for bad in [(1, 3), (0, 1, 2), (1, 1)]:
        with pytest.raises(ValueError, match=r"Invalid permutation argument `dims` for Permute "
                                             r"Layer. The set of indices in `dims` must be "
                                             rf"consecutive and start from 1. Received "
                                             rf"dims={re.escape(repr(bad))}"):
            layers.Permute(bad)
