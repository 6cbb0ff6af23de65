"""The closed registry of classes a file may name: registration, scopes, built-ins found by
walking cuflow's exports, reserved names that carry code."""

from __future__ import annotations

import pytest

from cuflow import layers, models
from cuflow.saving import registry


def test_register_serializable_names_the_class_under_its_package():
    @registry.register_serializable(package="TestRegistry")
    class Widget(layers.Layer):
        pass

    assert registry.get_registered_name(Widget) == "TestRegistry>Widget"
    assert registry.get_registered_object("TestRegistry>Widget") is Widget
    assert registry.is_registered(Widget)
    assert registry.resolve_class("Widget", "TestRegistry>Widget") is Widget
    assert registry.get_registered_name(layers.Dense) == "Dense"  # not registered: __name__


@pytest.mark.parametrize("kwargs, match", [({"package": "a>b"}, "without '>'"),
                                           ({"name": "Lambda"}, "reserved")])
def test_registration_refusals(kwargs, match):
    with pytest.raises(ValueError, match=match):
        registry.register_serializable(**kwargs)(type("X", (layers.Layer,), {}))


def test_a_class_without_get_config_cannot_be_registered():
    with pytest.raises(ValueError, match="must define get_config"):
        registry.register_serializable()(type("Plain", (), {}))


def test_scopes_nest_and_inner_names_win():
    class A(layers.Layer):
        pass

    class B(layers.Layer):
        pass

    with registry.custom_object_scope({"Thing": A}):
        assert registry.resolve_class("Thing") is A
        with registry.CustomObjectScope({"Thing": B}, None):
            assert registry.resolve_class("Thing", base=layers.Layer) is B
        assert registry.get_registered_object("Thing") is A
    assert registry.resolve_class("Thing") is None
    with pytest.raises(ValueError, match="reserved"):
        registry.CustomObjectScope({"Lambda": A})
    with pytest.raises(TypeError, match="takes dicts"):
        registry.CustomObjectScope([A])


def test_builtins_come_from_the_public_exports_without_code_layers():
    found = registry.builtin_classes()
    assert found["Dense"] is layers.Dense and found["Sequential"] is models.Sequential
    assert found["Functional"] is models.Functional
    assert "Lambda" not in found
    assert registry.resolve_class("Lambda") is None
    assert registry.resolve_class("Dense", base=models.Model) is None  # not a model
    names = registry.known_class_names()
    assert {"Dense", "GlorotUniform", "Adam", "MeanSquaredError"} <= names
    assert "Lambda" not in names
