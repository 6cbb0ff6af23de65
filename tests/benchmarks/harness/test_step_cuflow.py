"""benchmarks.harness.step_cuflow: the cuflow model of each case, and the variants' skips."""

from __future__ import annotations

import pytest

import cuflow
from benchmarks.harness import cases, step_cuflow

TINY = (1, 0, 1)


def test_mlp_model_has_the_case_layers_and_restores_the_policy():
    before = cuflow.mixed_precision.global_policy().name
    case = cases.StepCase("m", "mlp", (6, 5, 4, 3), 2, precision="mixed_float16")
    model = step_cuflow.cuflow_model(case)
    assert [w.shape for w in model.weights] == [(6, 5), (5,), (5, 4), (4,), (4, 3), (3,)]
    assert cuflow.mixed_precision.global_policy().name == before


def test_cnn_model_maps_32x32x3_to_ten_logits():
    model = step_cuflow.cuflow_model(cases.STEP_CASES["cnn_b64"])
    assert model.output_shape == (None, 10)


def test_tf32_switch_is_restored():
    before = cuflow.config.tensor_float_32_enabled()
    with step_cuflow.tf32(not before):
        assert cuflow.config.tensor_float_32_enabled() is (not before)
    assert cuflow.config.tensor_float_32_enabled() is before


@pytest.mark.parametrize("case,variant,reason", [
    ("mlp_small", "cuflow captured", "CUDA graphs need a GPU (device is cpu)"),
    ("mlp_large_tf32", "cuflow eager", "TF32 is a GPU tensor-core mode"),
])
def test_variants_that_need_a_gpu_are_skipped_with_the_reason(case, variant, reason):
    with pytest.raises(cases.Skip, match=reason.replace("(", r"\(").replace(")", r"\)")):
        step_cuflow.cuflow_variant(cases.STEP_CASES[case], variant, "cpu", TINY)


def test_eager_variant_measures_on_the_cpu():
    rate, rates, note = step_cuflow.cuflow_variant(cases.STEP_CASES["mlp_small"],
                                                   "cuflow eager", "cpu", TINY)
    assert rate > 0 and rates == [rate] and note is None
