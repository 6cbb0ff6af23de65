"""The argument and input checks several layer families share: their exact messages."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers
from cuflow.layers._checks import dropout_rate, incompatible, number, positive_int


def test_incompatible_names_layer_expectation_and_shape():
    err = incompatible(layers.Dense(2, name="d"), "ndim=3", (2, 4))
    assert isinstance(err, ValueError)
    assert str(err) == ('Input 0 of layer "d" (Dense) is incompatible with the layer: expected '
                        "ndim=3, received input with shape (2, 4)")


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3"])
def test_positive_int_rejects(value):
    with pytest.raises(ValueError, match=f"Owner: units must be a positive integer; received "
                                         f"{value!r}"):
        positive_int("Owner", "units", value)


def test_accepted_values_are_normalised():
    assert positive_int("O", "n", np.int64(3)) == 3 and type(positive_int("O", "n", 3)) is int
    assert number("O", "x", 2) == 2.0 and number("O", "x", None) is None
    assert dropout_rate("O", 1) == 1.0
    with pytest.raises(ValueError, match="O: x must be >= 0.0; received -1"):
        number("O", "x", -1, 0.0)
    with pytest.raises(ValueError, match="O: x must be a number; received True"):
        number("O", "x", True)
    with pytest.raises(ValueError, match=r"`rate`. Expected a float value between 0 and 1. "
                                         r"Received: rate=1.5"):
        dropout_rate("O", 1.5)
