"""cuflow.tree: the one flatten / map_structure / pack_sequence_as, on lists, tuples,
namedtuples and dicts (insertion order, or key order with sort_keys), with None as a leaf or
skipped."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from cuflow import tree

Point = collections.namedtuple("Point", ["x", "y"])


def test_flatten_is_depth_first_in_insertion_order():
    nested = {"b": [1, (2, 3)], "a": {"z": 4, "y": Point(5, [6])}, "c": 7}
    assert tree.flatten(nested) == [1, 2, 3, 4, 5, 6, 7]
    assert tree.flatten(nested, sort_keys=True) == [5, 6, 4, 1, 2, 3, 7]  # a < b < c, y < z
    assert tree.flatten(3) == [3] and tree.flatten([]) == [] and tree.flatten({}) == []


def test_leaves_are_anything_but_lists_tuples_and_dicts():
    arr, s = np.arange(3), "text"
    leaves = tree.flatten([arr, s, {1, 2}, None])
    assert leaves[0] is arr and leaves[1] == s and leaves[2] == {1, 2} and leaves[3] is None
    assert tree.is_nested([1]) and tree.is_nested((1,)) and tree.is_nested({})
    assert not tree.is_nested(arr) and not tree.is_nested("ab") and not tree.is_nested(None)


def test_skip_none_drops_none_leaves():
    assert tree.flatten([1, None, {"a": None, "b": 2}], skip_none=True) == [1, 2]
    assert tree.flatten([1, None]) == [1, None]


def test_map_structure_keeps_the_shape_of_the_first_structure():
    a = {"p": Point(1, 2), "q": [3, (4,)]}
    b = {"p": Point(10, 20), "q": [30, (40,)]}
    out = tree.map_structure(lambda u, v: u + v, a, b)
    assert out == {"p": Point(11, 22), "q": [33, (44,)]}
    assert type(out["p"]) is Point and type(out["q"]) is list and type(out["q"][1]) is tuple
    assert tree.map_structure(str, 5) == "5"
    # dicts are matched by key, not position
    assert tree.map_structure(lambda u, v: (u, v), {"a": 1, "b": 2}, {"b": 20, "a": 10}) == \
        {"a": (1, 10), "b": (2, 20)}


def test_pack_sequence_as_inverts_flatten():
    structure = {"b": [0, Point(0, 0)], "a": (0, {"k": 0})}
    flat = tree.flatten(structure)
    packed = tree.pack_sequence_as(structure, range(len(flat)))
    assert packed == {"b": [0, Point(1, 2)], "a": (3, {"k": 4})}
    assert type(packed["b"][1]) is Point and list(packed) == ["b", "a"]
    assert tree.pack_sequence_as(7, ["x"]) == "x"
    leaves, pack = tree.unflatten_as([1, (2, 3)])
    assert leaves == [1, 2, 3] and pack([4, 5, 6]) == [4, (5, 6)]


@pytest.mark.parametrize("flat, received", [([1, 2], 2), ([1, 2, 3, 4], 4)])
def test_pack_sequence_as_refuses_a_count_mismatch(flat, received):
    with pytest.raises(ValueError, match=rf"the structure holds 3 leaves, received {received} "
                                         r"values"):
        tree.pack_sequence_as([0, (0, 0)], flat)
