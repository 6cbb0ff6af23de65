"""``Flatten``: each sample to one axis (channels_first moves channels last first)."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers

from .._helpers import check_layer_gradients, round_trip
from .._helpers import run_on as run

R = np.random.default_rng(3)


CASES = [
    ("flatten", lambda: layers.Flatten(), [(2, 3, 2)]),
    ("flatten_cf", lambda: layers.Flatten(data_format="channels_first"), [(2, 3, 2)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_gradients_central_difference(name, make, shapes, device):
    check_layer_gradients(make, shapes, device)


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_round_trip(make):
    round_trip(make())


def test_flatten_values_shapes_and_errors(device):
    x = R.normal(size=(2, 3, 4, 5))
    np.testing.assert_array_equal(run(layers.Flatten(), x, device).numpy(), x.reshape(2, -1))
    first = run(layers.Flatten(data_format="channels_first"), x, device).numpy()
    np.testing.assert_array_equal(first, np.moveaxis(x, 1, -1).reshape(2, -1))
    assert layers.Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    assert layers.Flatten().compute_output_shape((None, None, 4)) == (None, None)
    with pytest.raises(ValueError, match="Flatten: data_format must be 'channels_last' or "
                                         "'channels_first'; received 'nhwc'"):
        layers.Flatten(data_format="nhwc")
