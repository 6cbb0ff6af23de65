"""benchmarks.harness.steps.step_benchmark on the CPU: structure of the result and the JSON,
skipped CUDA-graph variants, PyTorch present or absent, errors kept to their row. Tiny step counts
and no timing in any assertion (figures come from ``cuflow bench`` and ``benchmarks/``)."""

from __future__ import annotations

import json
import sys

import pytest

from benchmarks.harness import report, steps

from .conftest import HAS_TORCH, TINY, VARIANTS, needs_torch, rows_of


def test_result_structure_and_json(cpu_run, tmp_path):
    r = cpu_run
    assert r["device"]["cuflow"] == "cpu" and r["device"]["name"]
    assert {"cuflow", "numpy", "cupy", "torch", "python"} <= set(r["versions"])
    assert bool(r["versions"]["torch"]) == HAS_TORCH
    assert r["date"].endswith("+00:00")
    assert r["settings"]["timer"] == "time.perf_counter"
    assert (r["settings"]["steps"], r["settings"]["warmup"], r["settings"]["rounds"]) == (1, 0, 1)
    assert [c["name"] for c in r["cases"]] == ["mlp_small"]
    assert [(row["case"], row["variant"]) for row in r["rows"]] == [
        ("mlp_small", v) for v in VARIANTS]
    for row in r["rows"]:
        assert {"status", "steps_per_s", "us_per_step", "vs_torch_eager",
                "vs_torch_cuda_graph"} <= set(row)
    path = tmp_path / "steps.json"
    report.write_json(r, path)
    assert json.loads(path.read_text()) == json.loads(json.dumps(r))
    assert [p.name for p in tmp_path.iterdir()] == ["steps.json"]  # no temp file left


@needs_torch
def test_eager_variants_measure_and_ratios_are_consistent(cpu_run):
    rows = rows_of(cpu_run)
    for variant in ("cuflow eager", "torch eager"):
        row = rows[variant]
        assert row["status"] == "ok" and row["steps_per_s"] > 0
        assert row["us_per_step"] == pytest.approx(1e6 / row["steps_per_s"])
        assert row["vs_torch_cuda_graph"] is None  # no torch graph on the CPU
    assert rows["torch eager"]["vs_torch_eager"] == pytest.approx(1.0)
    assert rows["cuflow eager"]["vs_torch_eager"] == pytest.approx(
        rows["cuflow eager"]["steps_per_s"] / rows["torch eager"]["steps_per_s"])


def test_captured_variants_are_skipped_on_the_cpu_with_a_reason(cpu_run):
    rows = rows_of(cpu_run)
    for variant in [v for v in VARIANTS if v in ("cuflow captured", "torch cuda graph")]:
        assert rows[variant]["status"] == "skipped"
        assert "CUDA graphs need a GPU" in rows[variant]["reason"]
        assert rows[variant]["steps_per_s"] is None
    table = report.format_step_table(cpu_run)
    assert "cuflow captured   skipped: CUDA graphs need a GPU (device is cpu)" in table


def test_torch_variants_absent_with_a_note_when_torch_is_not_importable(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    r = steps.step_benchmark("mlp_small", "cpu", **TINY)
    assert [row["variant"] for row in r["rows"]] == ["cuflow eager", "cuflow captured"]
    assert r["versions"]["torch"] is None
    assert any("PyTorch is not importable" in n for n in r["notes"])
    assert rows_of(r)["cuflow eager"]["vs_torch_eager"] is None
    assert "note: PyTorch is not importable" in report.format_step_table(r)


@needs_torch
def test_an_error_in_one_variant_is_reported_and_the_others_run(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(steps, "torch_variant", broken)
    r = steps.step_benchmark("mlp_small", "cpu", **TINY)
    rows = rows_of(r)
    assert rows["cuflow eager"]["status"] == "ok"
    assert rows["torch eager"]["status"] == "error"
    assert rows["torch eager"]["error"] == "RuntimeError: simulated failure"
    assert rows["cuflow eager"]["vs_torch_eager"] is None
    assert "ERROR: RuntimeError: simulated failure" in report.format_step_table(r)


def test_tf32_case_is_skipped_on_the_cpu_and_progress_is_reported():
    seen = []
    r = steps.step_benchmark("mlp_large_tf32", "cpu", torch=False,
                          on_row=lambda row, result: seen.append(row["variant"]), **TINY)
    assert seen == ["cuflow eager", "cuflow captured"]
    assert all(row["status"] == "skipped" for row in r["rows"])
    assert "TF32" in r["rows"][0]["reason"]
    assert "PyTorch variants not requested" in r["notes"]


def test_bad_timing_settings_are_refused():
    with pytest.raises(ValueError, match="steps=0"):
        steps.step_benchmark("mlp_small", "cpu", steps=0)


def test_an_error_in_the_captured_variant_leaves_the_eager_row(monkeypatch):
    real = steps.cuflow_variant

    def flaky(case, variant, device, timing):
        if variant == "cuflow captured":
            raise RuntimeError("simulated capture failure")
        return real(case, variant, device, timing)

    monkeypatch.setattr(steps, "cuflow_variant", flaky)
    r = steps.step_benchmark("mlp_small", "cpu", torch=False, **TINY)
    rows = rows_of(r)
    assert rows["cuflow eager"]["status"] == "ok" and rows["cuflow eager"]["steps_per_s"] > 0
    assert rows["cuflow captured"]["status"] == "error"
    assert rows["cuflow captured"]["error"] == "RuntimeError: simulated capture failure"
    assert "ERROR: RuntimeError: simulated capture failure" in report.format_step_table(r)
