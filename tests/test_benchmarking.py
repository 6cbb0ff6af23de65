"""cuflow.benchmarking.step_benchmark on the CPU: structure of the table and the JSON, skipped
CUDA-graph variants, PyTorch present or absent, errors kept to their row. Tiny step counts and
no timing in any assertion (figures come from ``cuflow bench`` and ``benchmarks/``)."""

from __future__ import annotations

import json
import sys

import pytest

from cuflow import benchmarking as bm

TINY = {"steps": 1, "warmup": 0, "rounds": 1}


def _torch_importable():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


HAS_TORCH = _torch_importable()
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed here")
VARIANTS = bm.VARIANTS if HAS_TORCH else ("cuflow eager", "cuflow captured")


def _rows(result, case="mlp_small"):
    return {r["variant"]: r for r in result["rows"] if r["case"] == case}


@pytest.fixture(scope="module")
def cpu_run():
    return bm.step_benchmark("mlp_small", "cpu", **TINY)


def test_resolve_models_defaults_groups_and_order():
    assert bm.resolve_models(None, "cpu") == list(bm.DEFAULT_CPU_MODELS)
    assert bm.resolve_models(None, "gpu:0") == list(bm.STEP_CASES)
    assert bm.resolve_models("mlp_small, cnn") == ["mlp_small", "cnn_b64", "cnn_b256"]
    assert bm.resolve_models(["mlp_large", "mlp_large_f32"]) == [
        "mlp_large_f32", "mlp_large_tf32", "mlp_large_mixed16"]
    assert bm.resolve_models("all") == list(bm.STEP_CASES)
    assert {bm.STEP_CASES[n].precision for n in bm.STEP_GROUPS["mlp_large"]} == {
        "float32", "tf32", "mixed_float16"}


@pytest.mark.parametrize("spec", ["mlp_huge", "mlp_small,resnet"])
def test_resolve_models_names_the_bad_value_and_the_valid_ones(spec):
    with pytest.raises(ValueError) as info:
        bm.resolve_models(spec)
    msg = str(info.value)
    assert repr(spec.split(",")[-1]) in msg
    assert all(name in msg for name in ("mlp_small", "mlp_large", "cnn_b64", "cnn", "all"))


def test_resolve_models_rejects_an_empty_list():
    with pytest.raises(ValueError, match="no benchmark models"):
        bm.resolve_models(" , ")


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
    bm.write_json(r, path)
    assert json.loads(path.read_text()) == json.loads(json.dumps(r))
    assert [p.name for p in tmp_path.iterdir()] == ["steps.json"]  # no temp file left


@needs_torch
def test_eager_variants_measure_and_ratios_are_consistent(cpu_run):
    rows = _rows(cpu_run)
    for variant in ("cuflow eager", "torch eager"):
        row = rows[variant]
        assert row["status"] == "ok" and row["steps_per_s"] > 0
        assert row["us_per_step"] == pytest.approx(1e6 / row["steps_per_s"])
        assert row["vs_torch_cuda_graph"] is None  # no torch graph on the CPU
    assert rows["torch eager"]["vs_torch_eager"] == pytest.approx(1.0)
    assert rows["cuflow eager"]["vs_torch_eager"] == pytest.approx(
        rows["cuflow eager"]["steps_per_s"] / rows["torch eager"]["steps_per_s"])


def test_captured_variants_are_skipped_on_the_cpu_with_a_reason(cpu_run):
    rows = _rows(cpu_run)
    for variant in [v for v in VARIANTS if v in ("cuflow captured", "torch cuda graph")]:
        assert rows[variant]["status"] == "skipped"
        assert "CUDA graphs need a GPU" in rows[variant]["reason"]
        assert rows[variant]["steps_per_s"] is None
    table = bm.format_step_table(cpu_run)
    assert "cuflow captured   skipped: CUDA graphs need a GPU (device is cpu)" in table


def test_table_has_one_row_per_case_and_variant(cpu_run):
    table = bm.format_step_table(cpu_run)
    header = next(line for line in table.splitlines() if line.startswith("case"))
    for col in ("steps/s", "µs/step", "vs torch eager", "vs torch graph"):
        assert col in header
    body = [line for line in table.splitlines() if line.startswith("mlp_small ")]
    assert len(body) == len(VARIANTS)
    assert "MLP 784-256-128-10, Adam, batch 128, float32" in table


def test_torch_variants_absent_with_a_note_when_torch_is_not_importable(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    r = bm.step_benchmark("mlp_small", "cpu", **TINY)
    assert [row["variant"] for row in r["rows"]] == ["cuflow eager", "cuflow captured"]
    assert r["versions"]["torch"] is None
    assert any("PyTorch is not importable" in n for n in r["notes"])
    assert _rows(r)["cuflow eager"]["vs_torch_eager"] is None
    assert "note: PyTorch is not importable" in bm.format_step_table(r)


@needs_torch
def test_an_error_in_one_variant_is_reported_and_the_others_run(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(bm, "_torch_variant", broken)
    r = bm.step_benchmark("mlp_small", "cpu", **TINY)
    rows = _rows(r)
    assert rows["cuflow eager"]["status"] == "ok"
    assert rows["torch eager"]["status"] == "error"
    assert rows["torch eager"]["error"] == "RuntimeError: simulated failure"
    assert rows["cuflow eager"]["vs_torch_eager"] is None
    assert "ERROR: RuntimeError: simulated failure" in bm.format_step_table(r)


def test_tf32_case_is_skipped_on_the_cpu_and_progress_is_reported():
    seen = []
    r = bm.step_benchmark("mlp_large_tf32", "cpu", torch=False,
                          on_row=lambda row, result: seen.append(row["variant"]), **TINY)
    assert seen == ["cuflow eager", "cuflow captured"]
    assert all(row["status"] == "skipped" for row in r["rows"])
    assert "TF32" in r["rows"][0]["reason"]
    assert "PyTorch variants not requested" in r["notes"]


def test_bad_timing_settings_are_refused():
    with pytest.raises(ValueError, match="steps=0"):
        bm.step_benchmark("mlp_small", "cpu", steps=0)


def test_gpu_shaped_result_formats_ratios_notes_and_comparisons():
    """The table and the comparisons on a result shaped like a GPU run (no GPU needed)."""
    rates = {("mlp_large_f32", "cuflow eager"): 40.0, ("mlp_large_f32", "cuflow captured"): 50.0,
             ("mlp_large_f32", "torch eager"): 45.0, ("mlp_large_f32", "torch cuda graph"): 50.0,
             ("mlp_large_mixed16", "cuflow eager"): 200.0,
             ("mlp_large_mixed16", "cuflow captured"): 260.0,
             ("mlp_large_mixed16", "torch eager"): 180.0}
    cases = [bm.STEP_CASES["mlp_large_f32"], bm.STEP_CASES["mlp_large_mixed16"]]
    rows = []
    for case in cases:
        for variant in bm.VARIANTS:
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
    bm._add_ratios(result)
    result["comparisons"] = bm._comparisons(result, cases)
    by = {(r["case"], r["variant"]): r for r in result["rows"]}
    assert by[("mlp_large_f32", "cuflow captured")]["vs_torch_cuda_graph"] == pytest.approx(1.0)
    assert by[("mlp_large_mixed16", "cuflow eager")]["vs_torch_eager"] == pytest.approx(200 / 180)
    assert by[("mlp_large_mixed16", "cuflow eager")]["vs_torch_cuda_graph"] is None
    comp = {c["variant"]: c["ratio"] for c in result["comparisons"]}
    assert comp == pytest.approx({"cuflow eager": 5.0, "cuflow captured": 5.2,
                                  "torch eager": 4.0})
    table = bm.format_step_table(result)
    assert "mlp_large_mixed16 over mlp_large_f32, cuflow captured: 5.20x" in table
    assert "fell back to eager: test" in table
    assert "1.11x" in table  # 200 / 180


def test_an_error_in_the_captured_variant_leaves_the_eager_row(monkeypatch):
    real = bm._cuflow_variant

    def flaky(case, variant, device, timing):
        if variant == "cuflow captured":
            raise RuntimeError("simulated capture failure")
        return real(case, variant, device, timing)

    monkeypatch.setattr(bm, "_cuflow_variant", flaky)
    r = bm.step_benchmark("mlp_small", "cpu", torch=False, **TINY)
    rows = _rows(r)
    assert rows["cuflow eager"]["status"] == "ok" and rows["cuflow eager"]["steps_per_s"] > 0
    assert rows["cuflow captured"]["status"] == "error"
    assert rows["cuflow captured"]["error"] == "RuntimeError: simulated capture failure"
    assert "ERROR: RuntimeError: simulated capture failure" in bm.format_step_table(r)
