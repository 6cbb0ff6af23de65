"""``GRUCell`` / ``GRU``: both reset_after layouts against the NumPy recurrence, the bias shapes,
config."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow.layers import (
    GRU,
)

from ._reference import (
    B,
    F,
    T,
    U,
    make,
    randomize,
    reference,
)


@pytest.mark.parametrize("kind", ["gru", "gru_before"])
def test_gru_both_layouts_match_numpy(device, rng, kind):
    x = rng.normal(size=(B, T, F))
    with cuflow.device(device):
        layer = make(kind, return_sequences=True)
        layer.build((B, T, F))
        w = randomize(layer, rng)
        out = layer(cuflow.Tensor(x))
    np.testing.assert_allclose(out.numpy(), reference(kind, x, w, U)[0], rtol=1e-10, atol=1e-12)
    bias = layer.cell.bias.shape
    assert bias == ((2, 3 * U) if kind == "gru" else (3 * U,))


def test_gru_config_and_cell_read_through():
    layer = GRU(4, reset_after=False, recurrent_activation="hard_sigmoid")
    config = layer.get_config()
    assert config["reset_after"] is False and config["recurrent_activation"] == "hard_sigmoid"
    assert GRU.from_config(config).get_config() == config
    assert layer.units == 4 and layer.reset_after is False
    with pytest.raises(AttributeError, match="'GRU' object has no attribute 'colour'"):
        getattr(layer, "colour")  # noqa: B009 (the attribute lookup is the test)


def test_legacy_implementation_argument_is_accepted_and_kept_off_the_config():
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype("float32")
    ref = GRU(3, kernel_initializer="ones", recurrent_initializer="ones")
    config = ref.get_config()
    assert "implementation" not in config
    for impl in (0, 1, 2):
        layer = GRU.from_config({**config, "implementation": impl})
        assert layer.cell.implementation == impl
        np.testing.assert_allclose(layer(x).numpy(), ref(x).numpy(), rtol=1e-6)
    assert GRU(3, recurrent_dropout=0.5, implementation=2).cell.implementation == 1
