"""Sequential: building, deferred builds, pop, parameter counts, config."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.layers import Dense, Input
from cuflow.models import Sequential

from ._builders import article_model


def test_article_model_parameter_counts_match_keras():
    model = article_model()
    # Keras: 100*64+64, 64*32+32, 32*10+10
    assert [layer.count_params() for layer in model.layers] == [6464, 2080, 330]
    assert model.count_params() == 8874
    assert model.output_shape == (None, 10) if hasattr(model, "output_shape") else True
    assert model.output.shape == (None, 10)


def test_deferred_sequential_builds_on_first_call():
    model = Sequential([Dense(4, activation="relu"), Dense(2)])
    assert not model.built
    out = model(np.ones((3, 5), dtype="float32"))
    assert out.shape == (3, 2) and model.built
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_sequential_pop_and_duplicate_names():
    model = Sequential([Input(shape=(3,)), Dense(4, name="a"), Dense(2, name="b")])
    assert [layer.name for layer in model.layers] == ["a", "b"]
    model.pop()
    assert model.output.shape == (None, 4)
    with pytest.raises(ValueError, match="unique names"):
        model.add(Dense(1, name="a"))
