"""GlobalAveragePooling1D/2D/3D: the masked mean over time, aliases, shapes."""

from __future__ import annotations

import numpy as np

import cuflow as cf
from cuflow import layers as P

R = np.random.default_rng(3)


def test_global_average_pooling1d_mask(device):
    x = R.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    with cf.device(device):
        y = P.GlobalAveragePooling1D()(cf.Tensor(x), mask=cf.Tensor(mask))
    np.testing.assert_allclose(y.numpy()[0], x[0, :2].mean(0))
    np.testing.assert_allclose(y.numpy()[1], x[1].mean(0))


def test_global_average_pooling_aliases_and_shapes():
    assert P.GlobalAvgPool2D is P.GlobalAveragePooling2D
    assert P.GlobalAvgPool1D is P.GlobalAveragePooling1D
    assert P.GlobalAvgPool3D is P.GlobalAveragePooling3D
    layer = P.GlobalAveragePooling2D(keepdims=True, data_format="channels_first")
    assert layer.compute_output_shape((None, 3, 4, 5)) == (None, 3, 1, 1)
    assert P.GlobalAveragePooling3D().compute_output_shape((2, 3, 4, 5, 6)) == (2, 6)
    out = P.GlobalAveragePooling1D()(np.ones((2, 3, 4), "float32"))
    assert out._keras_mask is None and out.shape == (2, 4)
