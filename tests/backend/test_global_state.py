"""Process-wide state (backend/global_state.py): attributes with defaults, and clear_session
forgetting them all, the layer-name counters among them."""

from __future__ import annotations

import cuflow as cf
from cuflow.backend import global_state


def test_attributes_and_defaults():
    global_state.clear_session()
    assert global_state.get_global_attribute("x") is None
    assert global_state.get_global_attribute("x", 3) == 3
    assert global_state.get_global_attribute("x") is None  # a plain default is not stored
    shared = global_state.get_global_attribute("y", [], set_to_default=True)
    shared.append(1)
    assert global_state.get_global_attribute("y", [], set_to_default=True) == [1]
    global_state.set_global_attribute("x", "v")
    assert global_state.get_global_attribute("x", 3) == "v"
    global_state.clear_session()
    assert global_state.get_global_attribute("x") is None


def test_clear_session_resets_layer_names():
    cf.backend.clear_session()
    a, b = cf.layers.Dense(2), cf.layers.Dense(2)
    assert (a.name, b.name) == ("dense", "dense_1")
    cf.backend.clear_session()
    assert cf.layers.Dense(2).name == "dense"
    assert cf.backend.clear_session is global_state.clear_session
