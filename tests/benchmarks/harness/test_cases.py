"""benchmarks.harness.cases: how --models names the step cases, and their data."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.harness import cases


def test_resolve_models_defaults_groups_and_order():
    assert cases.resolve_models(None, "cpu") == list(cases.DEFAULT_CPU_MODELS)
    assert cases.resolve_models(None, "gpu:0") == list(cases.STEP_CASES)
    assert cases.resolve_models("mlp_small, cnn") == ["mlp_small", "cnn_b64", "cnn_b256"]
    assert cases.resolve_models(["mlp_large", "mlp_large_f32"]) == [
        "mlp_large_f32", "mlp_large_tf32", "mlp_large_mixed16"]
    assert cases.resolve_models("all") == list(cases.STEP_CASES)
    assert {cases.STEP_CASES[n].precision for n in cases.STEP_GROUPS["mlp_large"]} == {
        "float32", "tf32", "mixed_float16"}


@pytest.mark.parametrize("spec", ["mlp_huge", "mlp_small,resnet"])
def test_resolve_models_names_the_bad_value_and_the_valid_ones(spec):
    with pytest.raises(ValueError) as info:
        cases.resolve_models(spec)
    msg = str(info.value)
    assert repr(spec.split(",")[-1]) in msg
    assert all(name in msg for name in ("mlp_small", "mlp_large", "cnn_b64", "cnn", "all"))


def test_resolve_models_rejects_an_empty_list():
    with pytest.raises(ValueError, match="no benchmark models"):
        cases.resolve_models(" , ")


def test_step_data_has_the_case_shapes_and_is_seeded():
    x, y = cases.step_data(cases.STEP_CASES["mlp_small"])
    assert x.shape == (128, 784) and x.dtype == np.float32
    assert y.shape == (128,) and y.dtype == np.int64 and 0 <= y.min() and y.max() < 10
    x2, y2 = cases.step_data(cases.STEP_CASES["mlp_small"])
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x, y = cases.step_data(cases.STEP_CASES["cnn_b64"], seed=1)
    assert x.shape == (64, 32, 32, 3) and y.shape == (64,) and y.max() < 10


def test_step_case_description_and_dict():
    case = cases.STEP_CASES["mlp_large_tf32"]
    assert case.description == "MLP 1024-4096-4096-4096-1000, Adam, batch 4096, tf32"
    d = case.as_dict()
    assert d == {"name": "mlp_large_tf32", "kind": "mlp", "dims": [1024, 4096, 4096, 4096, 1000],
                 "batch": 4096, "precision": "tf32", "baseline": "mlp_large_f32",
                 "description": case.description}
    cnn = cases.StepCase("c", "cnn", None, 8)
    assert cnn.as_dict()["dims"] is None and cnn.description.startswith("CNN conv3x3(32)")


def test_valid_model_names_lists_cases_then_groups():
    names = cases.valid_model_names().split(", ")
    assert names == list(cases.STEP_CASES) + ["mlp_large", "cnn", "all"]
