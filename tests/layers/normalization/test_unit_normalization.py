"""``UnitNormalization``: unit L2 norm over the chosen axes, zero vectors, config and errors."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.testing import check_gradients

from .._helpers import f64

R = np.random.default_rng(9)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]], ids=["last", "one", "pair"])
def test_unit_normalization(axis, device):
    x = R.normal(size=(2, 3, 4))
    with cf.device(device):
        layer = f64(layers.UnitNormalization(axis=axis))
        out = layer(cf.Tensor(x))
    ax = tuple(axis) if isinstance(axis, list) else axis
    want = x / np.sqrt(np.maximum((x * x).sum(ax, keepdims=True), 1e-12))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)
    assert layer.count_params() == 0 and out.device == device
    check_gradients(lambda t: layer(t), [x], device=device)


def test_unit_normalization_zero_vector_config_and_errors():
    out = layers.UnitNormalization()(np.zeros((1, 3), "float32"))
    np.testing.assert_array_equal(out.numpy(), np.zeros((1, 3)))
    config = layers.UnitNormalization(axis=[1, 2]).get_config()
    assert config["axis"] == [1, 2]
    assert layers.UnitNormalization.from_config(config).get_config() == config
    with pytest.raises(TypeError, match="Received: axis='a'"):
        layers.UnitNormalization(axis="a")


def test_built_at_construction_unless_build_is_overridden():
    assert layers.UnitNormalization().built

    class Custom(layers.UnitNormalization):
        def build(self, input_shape):
            pass

    assert not Custom().built
