"""``Discretization``: the keras.io examples exactly, every output_mode, adapt (quantiles) over
batches, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as L

from ._helpers import roundtrip, val

# ---- Discretization ------------------------------------------------------------------------
XD = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])


def test_discretization_keras_examples():
    out = L.Discretization(bin_boundaries=[0., 1., 2.])(XD)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(val(out), [[0, 2, 3, 1], [1, 3, 2, 1]])
    layer = L.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(XD)
    np.testing.assert_array_equal(val(layer(XD)), [[0, 2, 3, 2], [1, 3, 3, 1]])
    assert layer.bin_boundaries == [0.0, 0.5, pytest.approx(1.3)]


def test_discretization_modes_adapt_batches_and_config():
    layer = L.Discretization(bin_boundaries=[0., 1.], output_mode="one_hot")
    np.testing.assert_array_equal(val(layer(np.array([-1., 0.5, 2.]))), np.eye(3))
    cnt = L.Discretization(bin_boundaries=[0., 1.], output_mode="count")(np.array([[-1, 2, 3]]))
    np.testing.assert_array_equal(val(cnt), [[1, 0, 2]])
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 100, size=(1000,))
    layer = L.Discretization(num_bins=4)
    layer.adapt(iter(np.split(data, 4)))
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(data, [.25, .5, .75]), atol=3)
    clone = roundtrip(layer)  # adapted: both num_bins and bin_boundaries in the config
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 4


def test_discretization_errors():
    with pytest.raises(ValueError, match="num_bins must be an int >= 1; received 0"):
        L.Discretization(num_bins=0)
    with pytest.raises(ValueError, match="num_bins must be an int >= 1; received -2"):
        L.Discretization(num_bins=-2)
    with pytest.raises(ValueError, match="not both"):
        L.Discretization(num_bins=2, bin_boundaries=[1.])
    with pytest.raises(ValueError, match="received neither"):
        L.Discretization()
    with pytest.raises(ValueError, match="no bin boundaries yet"):
        L.Discretization(num_bins=3)(XD)
    with pytest.raises(ValueError, match="sorted in increasing order"):
        L.Discretization(bin_boundaries=[2., 1.])
    with pytest.raises(TypeError, match="expected numeric inputs; received .*<U1"):
        L.Discretization(bin_boundaries=[1.])(np.array([["a"]]))
    with pytest.raises(ValueError, match="built with bin_boundaries"):
        L.Discretization(bin_boundaries=[1.]).adapt(XD)
