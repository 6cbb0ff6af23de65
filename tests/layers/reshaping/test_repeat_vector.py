"""``RepeatVector``: (batch, features) repeated ``n`` times along a new axis."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers

from .._helpers import check_layer_gradients, round_trip
from .._helpers import run_on as run

R = np.random.default_rng(3)


CASES = [
    ("repeat", lambda: layers.RepeatVector(3), [(2, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_repeat_vector_values_shape_and_errors(device):
    x = R.normal(size=(2, 4))
    y = run(layers.RepeatVector(3), x, device)
    np.testing.assert_array_equal(y.numpy(), np.repeat(x[:, None], 3, axis=1))
    assert layers.RepeatVector(3).compute_output_shape((None, 4)) == (None, 3, 4)
    for n in (0, -2):
        with pytest.raises(ValueError, match=rf"RepeatVector: Argument `n` should be a positive "
                                             rf"integer. Received: n={n}"):
            layers.RepeatVector(n)
    for n in ("3", 3.5, [3], True):
        with pytest.raises(TypeError, match=r"Expected an integer value for `n`, got <class "):
            layers.RepeatVector(n)
    assert layers.RepeatVector(np.int64(2)).n == 2
    with pytest.raises(ValueError, match="expected a rank-2 input"):
        run(layers.RepeatVector(2), R.normal(size=(2, 3, 4)), device)
