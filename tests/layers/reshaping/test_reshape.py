"""``Reshape``: to a target shape per sample, with one inferred (-1) entry; errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers

from .._helpers import check_layer_gradients, round_trip
from .._helpers import run_on as run

R = np.random.default_rng(3)


CASES = [
    ("reshape", lambda: layers.Reshape((2, -1)), [(2, 6)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_reshape_mismatch_message():
    with pytest.raises(ValueError, match=r"cannot reshape.*\(None, 5\)"):
        layers.Reshape((2, 2))(layers.Input(shape=(5,)))


def test_reshape_values_inferred_axis_and_errors(device):
    x = R.normal(size=(2, 12))
    np.testing.assert_array_equal(run(layers.Reshape((3, -1)), x, device).numpy(),
                                  x.reshape(2, 3, 4))
    assert layers.Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    assert layers.Reshape((-1, 2)).compute_output_shape((None, None)) == (None, None, 2)
    with pytest.raises(ValueError, match=r"cannot reshape input of shape \(2, 12\) to \(5, -1\)"):
        run(layers.Reshape((5, -1)), x, device)
    with pytest.raises(ValueError, match=r"at most one unknown dimension \(-1\) in `target_shape`"
                                         r". Received: target_shape=\(2, -1, -1\)"):
        layers.Reshape((2, -1, -1))
    with pytest.raises(ValueError, match=r"non-negative integer, or `-1`.*target_shape=\(-2, 5\)"):
        layers.Reshape((-2, 5))
    with pytest.raises(TypeError, match=r"tuple of ints; received target_shape=\(2.5,\)"):
        layers.Reshape((2.5,))
    with pytest.raises(ValueError, match=r"cannot reshape input of shape \(2, 12\) to \(0, -1\)"):
        run(layers.Reshape((0, -1)), x, device)


def test_reshape_to_a_zero_sized_axis(device):
    # as Keras: 0 is a valid target dimension (an empty sample)
    x = np.zeros((2, 0, 3), "float32")
    out = run(layers.Reshape((0, 5)), x, device)
    assert out.shape == (2, 0, 5)
    assert layers.Reshape((0, 5)).compute_output_shape((None, 0, 3)) == (None, 0, 5)
