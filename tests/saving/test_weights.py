"""Weight assignment: by path, by layer order, by name, all-or-nothing shape checks and
skip_mismatch."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers, models

from ._helpers import assert_same_weights, mlp


def test_npz_by_order_by_name_and_mismatch(tmp_path):
    src = mlp(0)
    src.save_weights(tmp_path / "w.weights.npz")
    renamed = models.Sequential([layers.Input((4,)), layers.Dense(8, name="x"),
                                 layers.BatchNormalization(name="y"), layers.Dense(2, name="z")])
    renamed.load_weights(tmp_path / "w.weights.npz")  # by order: names do not matter
    assert_same_weights(src, renamed)

    partial = models.Sequential([layers.Input((4,)), layers.Dense(8, name="h"),
                                 layers.Dense(2, name="other")])
    partial.load_weights(tmp_path / "w.weights.npz", by_name=True)
    np.testing.assert_array_equal(partial.get_layer("h").get_weights()[0],
                                  src.get_layer("h").get_weights()[0])

    wrong = models.Sequential([layers.Input((4,)), layers.Dense(7, name="h"),
                               layers.Dense(8, name="to8"), layers.BatchNormalization(name="bn"),
                               layers.Dense(2, name="o")])
    before = wrong.get_weights()
    with pytest.raises(ValueError, match=r"layer 'h' weight 0.*expected shape \(4, 7\), "
                                         r"received \(4, 8\)"):
        wrong.load_weights(tmp_path / "w.weights.npz", by_name=True)
    for a, b in zip(before, wrong.get_weights()):  # all-or-nothing
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="4 layer"):
        wrong.load_weights(tmp_path / "w.weights.npz")  # by order: 3 groups for 4 layers
    with pytest.warns(UserWarning, match="skipping"):
        wrong.load_weights(tmp_path / "w.weights.npz", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(wrong.get_layer("o").get_weights()[0],
                                  src.get_layer("o").get_weights()[0])
