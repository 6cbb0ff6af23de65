"""``KerasTensor`` and the graph ``Node``: shapes and dtypes, arithmetic as SymbolicOp calls,
shape probing, and the nodes a symbolic call records."""

from __future__ import annotations

import pytest

from cuflow import layers
from cuflow.layers.core.keras_tensor import (
    KerasTensor,
    map_structure_shapes,
    probe_output_shape,
)


def test_keras_tensor_shape_dtype_and_repr():
    kt = KerasTensor((None, 3), "float64", name="x")
    assert kt.shape == (None, 3) and kt.ndim == 2 and kt.dtype == "float64"
    assert repr(kt) == "<KerasTensor shape=(None, 3), dtype=float64, name=x>"
    assert KerasTensor((2,), dtype=str).dtype == "string"
    out = layers.Input((3,), dtype="float64") + 1  # arithmetic records a SymbolicOp call
    assert isinstance(out, KerasTensor) and out.shape == (None, 3) and out.dtype == "float64"
    assert type(out._keras_history[0]).__name__ == "SymbolicOp"
    with pytest.raises(TypeError, match="no truth value"):
        bool(kt)


def test_symbolic_call_records_a_node_with_its_parents():
    a, b = layers.Input((3,), name="a"), layers.Input((3,), name="b")
    add = layers.Add(name="sum")
    out = add([a, b])
    assert isinstance(out, KerasTensor) and out.shape == (None, 3) and out.name == "sum"
    node = add._inbound_nodes[0]
    assert node.symbolic_inputs() == [a, b] and node.outputs is out
    assert [n.layer.name for n in node.parent_nodes] == ["a", "b"]
    assert out._keras_history == (add, 0, 0)


def test_probe_output_shape_runs_call_on_zeros():
    layer = layers.Dense(4)
    layer.build((None, 3))
    assert probe_output_shape(layer, (None, 3)) == (None, 4)
    assert probe_output_shape(layers.Concatenate(), [(None, 2), (None, 5)]) == (None, 7)
    assert map_structure_shapes(lambda s: s + (1,), {"x": (2,), "y": [(3,)]}) == \
        {"x": (2, 1), "y": [(3, 1)]}
