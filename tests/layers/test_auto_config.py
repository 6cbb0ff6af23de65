"""Keras 3's automatic config: a custom layer or model that does not write get_config saves its
plain ``__init__`` arguments (defaults filled in); other values need get_config, said plainly."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.layers import auto_config


class Scale(layers.Layer):
    def __init__(self, factor, offset=0.5, tags=("a", "b"), **kwargs):
        super().__init__(**kwargs)
        self.factor, self.offset, self.tags = factor, offset, tags

    def call(self, x):
        return x * self.factor + self.offset


class NoKwargs(layers.Layer):
    def __init__(self, k=2):
        super().__init__()
        self.k = k


class Holds(layers.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner


def test_a_layer_without_get_config_saves_its_init_arguments():
    layer = Scale(3.0, name="sc", trainable=False)
    config = layer.get_config()
    assert config == {"name": "sc", "factor": 3.0, "offset": 0.5, "tags": ("a", "b"),
                      "trainable": False, "dtype": "float32"}
    again = Scale.from_config(config)
    assert (again.factor, again.offset, again.name, again.trainable) == (3.0, 0.5, "sc", False)
    x = np.arange(3, dtype="float32")
    np.testing.assert_allclose(again(x).numpy(), x * 3.0 + 0.5)


def test_an_init_without_kwargs_keeps_only_its_own_arguments():
    assert NoKwargs(k=5).get_config() == {"k": 5}


def test_values_no_config_can_hold_need_get_config():
    with pytest.raises(NotImplementedError, match="Holds was created by passing "
                                                  "non-serializable argument values"):
        Holds(layers.Dense(2)).get_config()
    config, reason = auto_config.capture(Holds, (np.ones(2),), {})
    assert config is None and reason == "values"

    class Star(layers.Layer):
        def __init__(self, *sizes, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(NotImplementedError, match="variadic positional"):
        Star(1, 2).get_config()


def test_a_layer_writing_get_config_is_left_alone():
    dense = layers.Dense(3, activation="relu")
    assert "factor" not in dense.get_config() and dense.get_config()["units"] == 3


def test_a_model_without_get_config_round_trips_through_a_sequential_config():
    class Net(cf.models.Model):
        def __init__(self, width=4, **kwargs):
            super().__init__(**kwargs)
            self.width = width
            self.d = layers.Dense(width)

        def call(self, x):
            return self.d(x)

    net = Net(width=3, name="net")
    assert net.get_config() == {"name": "net", "width": 3, "trainable": True}
    seq = cf.models.Sequential([layers.Input((2,)), Scale(2.0)])
    back = cf.models.Sequential.from_config(seq.get_config(), {"Scale": Scale})
    assert type(back.layers[0]) is Scale and back.layers[0].factor == 2.0
