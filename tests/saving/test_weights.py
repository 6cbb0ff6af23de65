"""Weight assignment: by path, by layer order, by name, all-or-nothing shape checks and
skip_mismatch."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers, models
from cuflow.saving import weights

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


def test_group_arrays_by_path_in_index_order_and_its_errors():
    a, b, c = np.zeros(1), np.ones(2), np.full(3, 2.0)
    groups = weights.group_arrays({"layers/d/1": b, "vars/0": c, "layers/d/0": a}, "w")
    assert list(groups) == ["layers/d", "vars"]
    assert [x.shape for x in groups["layers/d"]] == [(1,), (2,)]
    with pytest.raises(ValueError, match="unexpected weight key 'other/0'"):
        weights.group_arrays({"other/0": a}, "w")
    with pytest.raises(ValueError, match=r"numbered \[0, 2\], not 0..1"):
        weights.group_arrays({"layers/d/0": a, "layers/d/2": b}, "w")


def test_assignment_checks_every_shape_before_changing_any_variable():
    src = mlp(0)
    before = src.get_weights()
    arrays = {path: [np.ones(v.shape, v.dtype) for v in variables]
              for path, _, variables in weights.weight_groups(src)}
    arrays["layers/o"][1] = np.ones(5, "float32")  # the last layer's bias: wrong shape
    with pytest.raises(ValueError, match=r"layer 'o' weight 1 .*expected shape \(2,\), "
                                         r"received \(5,\)"):
        weights.load_by_path(src, arrays, "w")
    for x, y in zip(before, src.get_weights()):
        np.testing.assert_array_equal(x, y)  # nothing assigned
    with pytest.warns(UserWarning, match="skipping: layer 'o'"):
        weights.load_by_path(src, arrays, "w", skip_mismatch=True)
    np.testing.assert_array_equal(src.get_layer("h").get_weights()[0], np.ones((4, 8)))


def test_subclassed_models_name_children_by_attribute():
    class Net(models.Model):
        def __init__(self):
            super().__init__()
            self.encoder = layers.Dense(3)
            self.heads = [layers.Dense(1), layers.Dense(1)]

        def call(self, x):
            h = self.encoder(x)
            return [head(h) for head in self.heads]

    net = Net()
    net(np.ones((1, 2), "float32"))
    assert [name for name, _ in weights.named_children(net)] == ["encoder", "heads_0",
                                                                 "heads_1"]
    assert set(weights.collect(net)) == {"layers/encoder/0", "layers/encoder/1",
                                         "layers/heads_0/0", "layers/heads_0/1",
                                         "layers/heads_1/0", "layers/heads_1/1"}


def test_restore_optimizer_builds_slots_and_is_strict_about_counts():
    model = mlp(0)
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)
    store = {}
    model.optimizer.save_own_variables(store)
    fresh = mlp(1)
    fresh.compile("adam", "mse")
    weights.restore_optimizer(fresh, store, "w", strict=True)  # builds the slots first
    assert int(fresh.optimizer.iterations.numpy()) == 1
    with pytest.raises(ValueError, match="optimizer state holds 1 values"):
        weights.restore_optimizer(fresh, {"0": np.array(3)}, "w", strict=True)
    weights.restore_optimizer(fresh, {"0": np.array(3)}, "w", strict=False)  # starts fresh
    assert int(fresh.optimizer.iterations.numpy()) == 1
