"""HDF5 weights: the Keras 3 .weights.h5 layout written and read by path, the legacy Keras
layout read by order or name, nested models, refused external links, the missing-h5py message."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers, models
from cuflow.errors import UnsafeModelError

from ._helpers import assert_same_weights, mlp

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(3)
X = RNG.normal(size=(6, 4)).astype("float32")


def test_h5_is_keras3_layout(tmp_path):
    model = mlp()
    model.compile("adam", "mse")
    model.fit(X, X[:, :2], epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert set(f) == {"layers", "optimizer", "vars"}
        # paths by class and position, as Keras 3 (not by layer name)
        assert list(f["layers/dense/vars"]) == ["0", "1"]
        assert list(f["layers/batch_normalization/vars"]) == ["0", "1", "2", "3"]
        assert list(f["layers/dense_1/vars"]) == ["0", "1"]
        assert f["layers/dense/vars"].attrs["name"] == "h"
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()],
                                      model.get_layer("h").get_weights()[0])
        assert f["optimizer/vars/0"][()] == 1  # iterations
    fresh = mlp(1)
    fresh.compile("adam", "mse")
    fresh.load_weights(tmp_path / "w.weights.h5")
    assert_same_weights(model, fresh)
    assert int(fresh.optimizer.iterations.numpy()) == 1


def test_nested_model_h5_groups(tmp_path):
    inner = models.Sequential([layers.Input((4,)), layers.Dense(3, name="inner_dense")],
                              name="inner")
    inp = layers.Input((4,))
    outer = models.Model(inp, layers.Dense(2, name="head")(inner(inp)))
    outer.save_weights(tmp_path / "n.weights.h5")
    with h5py.File(tmp_path / "n.weights.h5", "r") as f:
        assert "layers/sequential/layers/dense/vars/0" in f
        assert "layers/dense/vars/0" in f  # the head
    outer.save_weights(tmp_path / "n.weights.npz")
    clone = models.clone_model(outer)
    clone.load_weights(tmp_path / "n.weights.h5")
    assert_same_weights(outer, clone)


def test_fresh_model_loads_weights_of_an_earlier_one(tmp_path):
    """Keras 3 names weight groups by class and position: a model built later in the same
    process (its layers auto-named dense_2, dense_3) reads the first one's file."""
    def build():
        return models.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dense(2)])

    first = build()
    first.save_weights(tmp_path / "a.weights.h5")
    second = build()
    assert [l.name for l in second.layers] != [l.name for l in first.layers]
    second.load_weights(tmp_path / "a.weights.h5")
    assert_same_weights(first, second)
    np.testing.assert_allclose(second.predict(X, verbose=0), first.predict(X, verbose=0))


def test_functional_paths_follow_keras_layer_order(tmp_path):
    """Two branches: Keras lists layers by depth, then by first meeting from the outputs."""
    from cuflow.saving import keras_layout

    inp = layers.Input((4,))
    a = layers.Dense(3, name="a")(inp)
    b = layers.Dense(2, name="b")(layers.Dense(5, name="pre_b")(inp))
    out = layers.Concatenate(name="cat")([a, b])
    model = models.Model(inp, out)
    order = [lay.name for lay in keras_layout.keras_layer_order(model)]
    assert order == [inp._keras_history[0].name, "pre_b", "a", "b", "cat"]
    paths = {lay.name: p for p, lay in keras_layout.walk(model)}
    assert paths["pre_b"] == "layers/dense" and paths["a"] == "layers/dense_1"
    assert paths["b"] == "layers/dense_2" and paths["cat"] == "layers/concatenate"


def write_legacy(path, model, names, group=None):
    """The Keras 2 HDF5 weight layout, as Keras applications publish it."""
    with h5py.File(path, "w") as f:
        root = f.create_group(group) if group else f
        root.attrs["layer_names"] = [n.encode() for n in ["input_1"] + names]
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = b"2.13.1"
        root.create_group("input_1").attrs["weight_names"] = []
        kinds = {"h": ["kernel", "bias"], "bn": ["gamma", "beta", "moving_mean",
                                                 "moving_variance"], "o": ["kernel", "bias"]}
        for name, layer in zip(names, model.layers):
            g = root.create_group(name)
            wnames = [f"{name}/{k}:0" for k in kinds[layer.name]]
            g.attrs["weight_names"] = [w.encode() for w in wnames]
            for wn, value in zip(wnames, layer.get_weights()):
                g.create_dataset(wn, data=value)


@pytest.mark.parametrize("group", [None, "model_weights"])
def test_legacy_h5_by_order_and_by_name(tmp_path, group):
    src = mlp(0)
    write_legacy(tmp_path / "legacy.h5", src, ["dense_5", "batch_normalization", "dense_6"],
                 group)
    dst = mlp(1)
    dst.load_weights(tmp_path / "legacy.h5")
    assert_same_weights(src, dst)

    write_legacy(tmp_path / "named.h5", src, ["h", "bn", "o"], group)
    only_o = models.Sequential([layers.Input((8,)), layers.Dense(2, name="o")])
    only_o.load_weights(tmp_path / "named.h5", by_name=True)
    np.testing.assert_array_equal(only_o.get_weights()[0], src.get_layer("o").get_weights()[0])
    with pytest.raises(ValueError, match="3 layer"):
        only_o.load_weights(tmp_path / "named.h5")  # by order: 3 groups vs 1 layer


def test_h5_missing_dependency_message(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_h5py(name, *args, **kwargs):
        if name == "h5py":
            raise ImportError("no h5py")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_h5py)
    with pytest.raises(ImportError, match=r'pip install "cuflow\[h5\]"'):
        mlp().save_weights(tmp_path / "w.weights.h5")


def test_h5_external_link_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "secret.h5", "w") as f:
        f["data"] = np.ones((4, 3), "f4")
    with h5py.File(tmp_path / "evil.weights.h5", "w") as f:
        f.create_group("vars")
        f["layers/d/vars/0"] = h5py.ExternalLink(str(tmp_path / "secret.h5"), "/data")
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, name="d")])
    with pytest.raises(UnsafeModelError, match="ExternalLink"):
        model.load_weights(tmp_path / "evil.weights.h5")
