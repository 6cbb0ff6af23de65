"""AveragePooling1D/2D/3D: Keras defaults, the ``AvgPool*`` aliases, 'same' padding averages the
real elements only."""

from __future__ import annotations

import numpy as np

from cuflow import layers as P

from ...ops import _conv_reference as ref
from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_average_pooling_defaults_and_aliases():
    assert P.AvgPool1D is P.AveragePooling1D and P.AvgPool2D is P.AveragePooling2D
    assert P.AvgPool3D is P.AveragePooling3D
    c = P.AveragePooling1D().get_config()
    assert (c["pool_size"], c["strides"], c["padding"]) == ((2,), (2,), "valid")


def test_average_pooling_same_padding(device):
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = run(P.AveragePooling2D(2, padding="same"), x, device).numpy()[0, ..., 0]
    np.testing.assert_allclose(y, [[(0 + 1 + 3 + 4) / 4, (2 + 5) / 2], [(6 + 7) / 2, 8]])
    np.testing.assert_allclose(run(P.AveragePooling1D(3, 1), x[:, 0], device).numpy(),
                               ref.pool(x[:, 0], (3,), (1,), "valid", "avg"))
