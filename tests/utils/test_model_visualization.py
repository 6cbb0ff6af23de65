"""plot_model / model_to_dot: nodes and edges of Sequential, functional (nested too) and
subclassed models, the labels asked for, the file format from the suffix, and a clear
ImportError naming what to install without pydot or Graphviz. pydot is replaced by a small
recording fake (it is optional; no test needs it or Graphviz installed)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import cuflow as cf
from cuflow import layers
from cuflow.utils import model_visualization as mv


def _fake_pydot(renders=True):
    mod = types.ModuleType("pydot")

    class PydotException(Exception):
        pass

    class _Obj:
        def __init__(self, *args, **kwargs):
            self.args, self.attrs = args, dict(kwargs)

        def set(self, key, value):
            self.attrs[key] = value

    class Node(_Obj):
        pass

    class Edge(_Obj):
        pass

    class Dot(_Obj):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.nodes, self.edges, self.subgraphs, self.written = [], [], [], []

        def set_node_defaults(self, **kwargs):
            self.attrs["node_defaults"] = kwargs

        def add_node(self, node):
            self.nodes.append(node)

        def add_edge(self, edge):
            self.edges.append(edge)

        def get_edge(self, a, b):
            return [e for e in self.edges if e.args == (a, b)]

        def add_subgraph(self, sub):
            self.subgraphs.append(sub)

        def write(self, path, format="raw"):
            self.written.append((path, format))
            with open(path, "w") as f:
                f.write(format)

        def create(self, *args, **kwargs):
            if not renders:
                raise OSError("dot not found")
            return b""

    class Cluster(Dot):
        pass

    mod.PydotException, mod.Node, mod.Edge, mod.Dot, mod.Cluster = (
        PydotException, Node, Edge, Dot, Cluster)
    return mod


@pytest.fixture
def pydot(monkeypatch):
    fake = _fake_pydot()
    monkeypatch.setitem(sys.modules, "pydot", fake)
    return fake


def _names_by_id(model):
    out = {}
    for layer in model.layers:
        out[str(id(layer))] = layer.name
        for inner in getattr(layer, "layers", []):
            out[str(id(inner))] = inner.name
    return out


def _edges(model, dot):
    names = _names_by_id(model)
    return sorted((names[e.args[0]], names[e.args[1]]) for e in dot.edges)


def _two_branch():
    a, b = layers.Input((3,), name="a"), layers.Input((3,), name="b")
    h = layers.Dense(3, name="d2")(layers.Dense(3, name="d1", activation="relu")(a))
    return cf.models.Model([a, b], layers.Concatenate(name="cat")([h, b]))


def test_functional_graph_nodes_edges_and_labels(pydot):
    model = _two_branch()
    dot = mv.model_to_dot(model, show_shapes=True, show_layer_activations=True, rankdir="LR")
    assert len(dot.nodes) == 5 and dot.attrs["rankdir"] == "LR"
    assert _edges(model, dot) == [("a", "d1"), ("b", "cat"), ("d1", "d2"), ("d2", "cat")]
    label = {n.args[0]: n.attrs["label"] for n in dot.nodes}[str(id(model.get_layer("d1")))]
    assert "<b>d1</b> (Dense)" in label and "Activation: <b>relu</b>" in label
    assert "Input shape: <b>(None, 3)</b>" in label and "Output shape: <b>(None, 3)</b>" in label


def test_sequential_chain_nested_cluster_and_subclassed_box(pydot):
    inner = cf.models.Sequential([layers.Input((3,)), layers.Dense(2, name="i1"),
                                  layers.Dense(2, name="i2")], name="inner")
    seq = cf.models.Sequential([layers.Input((4,)), layers.Dense(3, name="s1"), inner,
                                layers.Dense(1, name="s3")])
    dot = mv.model_to_dot(seq, show_layer_names=False)
    assert _edges(seq, dot) == [("inner", "s3"), ("s1", "inner")]
    assert all("<b>Dense</b>" in n.attrs["label"] or "<b>Sequential</b>" in n.attrs["label"]
               for n in dot.nodes)
    nested = mv.model_to_dot(seq, expand_nested=True)
    assert len(nested.subgraphs) == 1 and nested.subgraphs[0].attrs["label"] == "inner"
    assert _edges(seq, nested) == [("i2", "s3"), ("s1", "i1")]

    class Sub(cf.models.Model):
        def call(self, x):
            return x

    sub = Sub()
    sub.build((None, 2))
    one = mv.model_to_dot(sub)
    assert len(one.nodes) == 1 and not one.edges


def test_plot_model_writes_the_format_of_the_suffix(pydot, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)  # no notebook display: returns None
    model = _two_branch()
    assert mv.plot_model(model, to_file=tmp_path / "m.svg", show_trainable=True) is None
    assert (tmp_path / "m.svg").read_text() == "svg"
    mv.plot_model(model, to_file=str(tmp_path / "m"))
    assert (tmp_path / "m").read_text() == "png"
    with pytest.raises(ValueError, match="layer_range"):
        mv.plot_model(model, to_file=tmp_path / "x.png", layer_range=["a", "b"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        mv.model_to_dot(model, colour=True)
    assert cf.utils.plot_model is mv.plot_model and cf.utils.model_to_dot is mv.model_to_dot


def test_missing_pydot_or_graphviz_is_a_clear_import_error(monkeypatch, tmp_path):
    for name in ("pydot", "pydot_ng", "pydotplus"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    model = _two_branch()
    assert not mv.check_pydot() and not mv.check_graphviz()
    with pytest.raises(ImportError, match=r"pip install pydot.*cuflow\[plot\]"):
        mv.plot_model(model, to_file=tmp_path / "m.png")
    with pytest.raises(ImportError, match="model_to_dot"):
        mv.model_to_dot(model)
    monkeypatch.setitem(sys.modules, "pydot", _fake_pydot(renders=False))
    assert mv.check_pydot() and not mv.check_graphviz()
    with pytest.raises(ImportError, match="must install graphviz"):
        mv.plot_model(model, to_file=tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_an_unbuilt_model_is_refused(pydot):
    model = cf.models.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="has not yet been built"):
        mv.plot_model(model)
    model(np.ones((1, 3), "float32"))
    assert len(mv.model_to_dot(model).nodes) == 1
