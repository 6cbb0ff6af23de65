"""GlobalMaxPooling1D/2D/3D: values, aliases, shapes, config."""

from __future__ import annotations

import numpy as np

from cuflow import layers as P

from .._helpers import run_on as run

R = np.random.default_rng(3)


def test_global_max_pooling_aliases_values_and_config(device):
    assert P.GlobalMaxPool1D is P.GlobalMaxPooling1D
    assert P.GlobalMaxPool2D is P.GlobalMaxPooling2D
    assert P.GlobalMaxPool3D is P.GlobalMaxPooling3D
    x = R.normal(size=(2, 3, 4, 5, 2))
    y = run(P.GlobalMaxPooling3D(keepdims=True), x, device)
    np.testing.assert_array_equal(y.numpy(), x.max(axis=(1, 2, 3), keepdims=True))
    layer = P.GlobalMaxPooling1D(data_format="channels_first")
    config = layer.get_config()
    assert P.GlobalMaxPooling1D.from_config(config).get_config() == config
    assert layer.compute_output_shape((None, 4, 7)) == (None, 4)
