"""``cuflow.registration``: registering user objects, scopes, and the lookups over them."""

import pytest

from cuflow import registration as reg


@pytest.fixture(autouse=True)
def clean_registry():
    saved, saved_names = dict(reg._REGISTERED), dict(reg._REGISTERED_NAMES)
    yield
    reg._REGISTERED.clear()
    reg._REGISTERED.update(saved)
    reg._REGISTERED_NAMES.clear()
    reg._REGISTERED_NAMES.update(saved_names)


class Thing:
    def get_config(self):
        return {}


def test_register_names_package_and_class():
    reg.register_serializable("MyPkg")(Thing)
    assert reg.get_registered_name(Thing) == "MyPkg>Thing"
    assert reg.get_registered_object("MyPkg>Thing") is Thing
    assert reg.is_registered(Thing)
    assert reg.get_custom_objects()["MyPkg>Thing"] is Thing


def test_register_with_explicit_name_and_functions():
    def scale(x):
        return 2 * x

    reg.register_keras_serializable("Fns", name="double")(scale)
    assert reg.get_registered_name(scale) == "Fns>double"
    assert reg.get_registered_object("Fns>double") is scale


@pytest.mark.parametrize("package", ["", "a>b", None])
def test_bad_package_names_are_refused(package):
    with pytest.raises(ValueError, match="package must be a non-empty string"):
        reg.register_serializable(package)


def test_code_carrying_names_cannot_be_registered():
    class Lambda:
        def get_config(self):
            return {}

    with pytest.raises(ValueError, match="'Lambda' is reserved"):
        reg.register_serializable()(Lambda)
    with pytest.raises(ValueError, match="reserved"):
        reg.custom_object_scope({"Lambda": Thing})


def test_a_class_without_get_config_is_refused():
    class NoConfig:
        pass

    with pytest.raises(ValueError, match="must define get_config"):
        reg.register_serializable()(NoConfig)


def test_scopes_nest_and_pop():
    class Other:
        pass

    with reg.custom_object_scope({"Thing": Thing}):
        assert reg.get_registered_object("Thing") is Thing
        with reg.CustomObjectScope({"Thing": Other}):
            assert reg.get_registered_object("Thing") is Other  # the inner scope wins
        assert reg.get_registered_object("Thing") is Thing
    assert reg.get_registered_object("Thing") is None


def test_scope_takes_dicts_only():
    with pytest.raises(TypeError, match="takes dicts of name -> object; received list"):
        reg.custom_object_scope(["Thing"])


def test_custom_objects_win_over_scopes_and_registry():
    class Other:
        pass

    reg.register_serializable("Custom")(Thing)
    with reg.custom_object_scope({"Thing": Other}):
        assert reg.get_registered_object("Thing", {"Thing": int}) is int
        assert reg.merged_custom_objects({"X": float}) == {"Thing": Other, "X": float}


def test_resolve_order_and_base_filter():
    class Base:
        pass

    class Builtin(Base):
        pass

    builtins = {"Builtin": Builtin}
    assert reg.resolve("Builtin", builtins=builtins) is Builtin
    assert reg.resolve("Builtin", custom_objects={"Builtin": Thing}, builtins=builtins) is Thing
    # a custom object that is not a `base` falls through to the built-in
    assert reg.resolve("Builtin", custom_objects={"Builtin": Thing}, base=Base,
                       builtins=builtins) is Builtin
    assert reg.resolve("Missing", builtins=builtins) is None
    assert reg.resolve("Lambda", custom_objects={"Lambda": Thing}) is None


def test_builtin_modules_expose_public_classes_only():
    import types

    class Public:
        pass

    class _Hidden:
        pass

    module = types.ModuleType("fake_builtins")
    module.Public, module._Hidden, module.value = Public, _Hidden, 3
    before = list(reg._BUILTIN_MODULES)
    try:
        reg.register_builtin_module(module)
        reg.register_builtin_module(module)  # idempotent
        assert reg._BUILTIN_MODULES.count(module) == 1
        found = reg.builtin_classes()
        assert found["Public"] is Public and "_Hidden" not in found
        assert "Public" not in reg.builtin_classes(base=Thing)
    finally:
        reg._BUILTIN_MODULES[:] = before


def test_layers_and_models_register_themselves():
    import cuflow.layers
    import cuflow.models

    found = reg.builtin_classes(base=cuflow.layers.Layer)
    assert found["Dense"] is cuflow.layers.Dense
    assert found["Sequential"] is cuflow.models.Sequential
    assert "Lambda" not in found
