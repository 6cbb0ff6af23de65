"""Checks on a config before anything is built: JSON data only, bounded sizes, class names from
the closed registry, no strings that name code, paths or URLs, named functions that resolve."""

from __future__ import annotations

import pytest

from cuflow.errors import UnsafeModelError
from cuflow.saving import validate


def test_parse_json_refuses_duplicate_keys_bad_utf8_and_oversize(monkeypatch):
    assert validate.parse_json(b'{"a": [1, 2]}', "c") == {"a": [1, 2]}
    with pytest.raises(UnsafeModelError, match="repeats the key 'a'"):
        validate.parse_json(b'{"a": 1, "a": 2}', "c")
    with pytest.raises(ValueError, match="not UTF-8"):
        validate.parse_json(b"\xff\xfe", "c")
    with pytest.raises(ValueError, match="not valid JSON"):
        validate.parse_json(b"{", "c")
    monkeypatch.setattr(validate, "MAX_CONFIG_BYTES", 4)
    with pytest.raises(UnsafeModelError, match="above the limit 4"):
        validate.parse_json(b'{"a": 1}', "c")


@pytest.mark.parametrize("config, match", [
    ({"units": 1 << 30}, "above the limit"),
    ({"name": "os.system"}, "names Python code"),
    ({"name": "__import__"}, "names Python code"),
    ({"path": "/etc/passwd"}, "file path or URL"),
    ({"path": "https://example.com/x"}, "file path or URL"),
    ({"x": "../../up"}, "file path or URL"),
    ({"safe_mode": False}, "safe_mode"),
    ({"weights": [[1.0]]}, "weight values"),
    ({"obj": object()}, "only JSON values"),
])
def test_check_tree_refusals_name_the_field(config, match):
    with pytest.raises(UnsafeModelError, match=match):
        validate.check_tree(config)


def test_check_tree_counts_values_and_limits_depth(monkeypatch):
    assert validate.check_tree({"a": [1, {"b": None}]}) == 5
    monkeypatch.setattr(validate, "MAX_DEPTH", 2)
    with pytest.raises(UnsafeModelError, match="nests deeper than 2"):
        validate.check_tree({"a": {"b": {"c": 1}}})


def test_class_names_must_be_known_and_are_listed_together():
    validate.check_class_names({"class_name": "Dense", "config": {
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {}}}})
    with pytest.raises(ValueError, match=r"unknown class\(es\) \['Nope', 'Zap'\]"):
        validate.check_class_names([{"class_name": "Zap"}, {"class_name": "Nope"}])
    with pytest.raises(UnsafeModelError, match="Lambda layers are Python code"):
        validate.check_class_names({"class_name": "Lambda"})
    with pytest.raises(UnsafeModelError, match="never imports modules"):
        validate.check_class_names({"class_name": "Dense", "module": "evil.pkg"})
    assert validate.check_class_names({"class_name": "Zap"}, {"Zap": object}) is None


def test_named_functions_must_resolve():
    validate.check_identifier_fields({"activation": "relu", "kernel_initializer": "zeros"})
    with pytest.raises(ValueError, match=r"\$\.activation"):
        validate.check_identifier_fields({"activation": "no_such_activation"})
    with pytest.raises(UnsafeModelError, match="Python callable 'eval'"):
        validate.check_identifier_fields({"activation": "eval"})
