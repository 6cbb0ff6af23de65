"""benchmarks.harness.report: the step table (from a CPU run and a GPU-shaped result) and JSON."""

from __future__ import annotations

import pytest
from benchmarks.harness.cases import STEP_CASES
from benchmarks.harness.cases import VARIANTS as ALL_VARIANTS

from benchmarks.harness import report, steps

from .conftest import VARIANTS


def test_table_has_one_row_per_case_and_variant(cpu_run):
    table = report.format_step_table(cpu_run)
    header = next(line for line in table.splitlines() if line.startswith("case"))
    for col in ("steps/s", "µs/step", "vs torch eager", "vs torch graph"):
        assert col in header
    body = [line for line in table.splitlines() if line.startswith("mlp_small ")]
    assert len(body) == len(VARIANTS)
    assert "MLP 784-256-128-10, Adam, batch 128, float32" in table


def test_gpu_shaped_result_formats_ratios_notes_and_comparisons():
    """The table and the comparisons on a result shaped like a GPU run (no GPU needed)."""
    rates = {("mlp_large_f32", "cuflow eager"): 40.0, ("mlp_large_f32", "cuflow captured"): 50.0,
             ("mlp_large_f32", "torch eager"): 45.0, ("mlp_large_f32", "torch cuda graph"): 50.0,
             ("mlp_large_mixed16", "cuflow eager"): 200.0,
             ("mlp_large_mixed16", "cuflow captured"): 260.0,
             ("mlp_large_mixed16", "torch eager"): 180.0}
    cases = [STEP_CASES["mlp_large_f32"], STEP_CASES["mlp_large_mixed16"]]
    rows = []
    for case in cases:
        for variant in ALL_VARIANTS:
            rate = rates.get((case.name, variant))
            row = {"case": case.name, "variant": variant, "status": "ok" if rate else "skipped",
                   "steps_per_s": rate, "us_per_step": 1e6 / rate if rate else None}
            if not rate:
                row["reason"] = "not capturable"
            rows.append(row)
    rows[1]["note"] = "fell back to eager: test"
    result = {"device": {"cuflow": "gpu:0", "name": "Test GPU"}, "notes": [],
              "settings": {"steps": 50, "warmup": 5, "rounds": 3, "timer": "CUDA events",
                           "statistic": "median round"},
              "cases": [c.as_dict() for c in cases], "rows": rows}
    steps.add_ratios(result)
    result["comparisons"] = steps.comparisons(result, cases)
    by = {(r["case"], r["variant"]): r for r in result["rows"]}
    assert by[("mlp_large_f32", "cuflow captured")]["vs_torch_cuda_graph"] == pytest.approx(1.0)
    assert by[("mlp_large_mixed16", "cuflow eager")]["vs_torch_eager"] == pytest.approx(200 / 180)
    assert by[("mlp_large_mixed16", "cuflow eager")]["vs_torch_cuda_graph"] is None
    comp = {c["variant"]: c["ratio"] for c in result["comparisons"]}
    assert comp == pytest.approx({"cuflow eager": 5.0, "cuflow captured": 5.2,
                                  "torch eager": 4.0})
    table = report.format_step_table(result)
    assert "mlp_large_mixed16 over mlp_large_f32, cuflow captured: 5.20x" in table
    assert "fell back to eager: test" in table
    assert "1.11x" in table  # 200 / 180
