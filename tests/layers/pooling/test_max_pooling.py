"""MaxPooling1D/2D/3D: Keras defaults, the ``MaxPool*`` aliases, values and channels_first."""

from __future__ import annotations

import numpy as np

from cuflow import layers as P

from ...ops import _conv_reference as ref
from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_max_pooling_defaults_and_aliases():
    assert P.MaxPool1D is P.MaxPooling1D and P.MaxPool3D is P.MaxPooling3D
    assert P.MaxPool2D is P.MaxPooling2D
    c = P.MaxPooling2D().get_config()
    assert (c["pool_size"], c["strides"], c["padding"]) == ((2, 2), (2, 2), "valid")
    assert P.MaxPooling3D().pool_size == (2, 2, 2) and P.MaxPooling1D().pool_size == (2,)
    assert P.MaxPooling2D.__module__ == "cuflow.layers.pooling.max_pooling"


def test_max_pooling_channels_first_matches_channels_last(device):
    x = R.normal(size=(2, 6, 5, 3))
    last = run(P.MaxPooling2D((3, 2), strides=(2, 1)), x, device).numpy()
    first = run(P.MaxPooling2D((3, 2), strides=(2, 1), data_format="channels_first"),
                np.moveaxis(x, -1, 1), device).numpy()
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), last)
    np.testing.assert_allclose(last, ref.pool(x, (3, 2), (2, 1), "valid", "max"))
