"""``Wrapper``: the base of layers that wrap one other layer; it tracks the layer's weights and
serializes it nested."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers
from cuflow.layers import Wrapper


class Scaled(Wrapper):
    def call(self, inputs):
        return self.layer(inputs) * 2.0


def test_wrapper_tracks_the_inner_layer_and_round_trips():
    wrapped = Scaled(layers.Dense(2, kernel_initializer="ones", use_bias=False), name="sc")
    y = wrapped(np.ones((1, 3), "float32"))
    np.testing.assert_array_equal(y.numpy(), [[6.0, 6.0]])
    assert wrapped.weights == wrapped.layer.weights and wrapped.count_params() == 6
    config = wrapped.get_config()
    assert config["layer"]["class_name"] == "Dense"
    again = Scaled.from_config(config)
    assert isinstance(again.layer, layers.Dense) and again.get_config() == config


def test_wrapper_needs_a_layer():
    with pytest.raises(ValueError, match="Scaled needs a cuflow Layer instance to wrap; "
                                         "received 3"):
        Scaled(3)
