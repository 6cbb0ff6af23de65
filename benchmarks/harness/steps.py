"""Training steps per second: cuflow eager / captured beside PyTorch eager / CUDA graph.

``step_benchmark`` measures one training step (forward, loss, backward, optimizer update) of a
few fixed models (``cases``), every variant in the same run on the same device and data. On the
GPU each figure is timed with CUDA events after a warm-up and a synchronize; on the CPU with
``time.perf_counter``, and the CUDA-graph variants are reported as skipped with a reason. A
variant that raises is reported as an error row; the others still run.
"""

from __future__ import annotations

import gc

import numpy as np

from .cases import (
    DEFAULT_CPU_TIMING,
    DEFAULT_GPU_TIMING,
    STEP_CASES,
    VARIANTS,
    Skip,
    resolve_models,
)
from .clocks import EventClock, PerfClock
from .step_cuflow import cuflow_variant
from .step_torch import import_torch, torch_variant


def free_gpu_memory(torch=None):
    gc.collect()
    try:
        import cupy

        cupy.get_default_memory_pool().free_all_blocks()
    except Exception:
        pass
    if torch is not None:
        try:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:
            pass


def device_name(device):
    if device.startswith("gpu"):
        try:
            import cupy

            props = cupy.cuda.runtime.getDeviceProperties(int(device.split(":")[1]))
            name = props["name"]
            return name.decode() if isinstance(name, bytes) else str(name)
        except Exception as exc:
            return f"unknown GPU ({type(exc).__name__})"
    import os
    import platform

    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical CPUs"


def versions(torch):
    import platform

    import cuflow

    v = {"python": platform.python_version(), "cuflow": cuflow.__version__,
         "numpy": np.__version__, "cupy": None, "torch": None}
    try:
        import cupy

        v["cupy"] = cupy.__version__
        try:
            v["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
            v["cuda_driver"] = cupy.cuda.runtime.driverGetVersion()
        except Exception:
            pass
    except Exception:
        pass
    if torch is not None:
        v["torch"] = torch.__version__
        v["torch_cuda"] = getattr(torch.version, "cuda", None)
    return v


def step_benchmark(models=None, device=None, steps=None, warmup=None, rounds=None,
                   torch=True, on_row=None):
    """Training steps per second of each case in ``models`` for every variant.

    ``device``: "cpu", "gpu", "gpu:N" (default: cuflow's current device). ``steps`` per round,
    ``warmup`` steps before timing and ``rounds`` (median reported) default per device.
    ``torch=False`` leaves the PyTorch variants out. ``on_row(row, result)`` is called after
    each measured row (to print progress or save partial results).

    Returns a JSON-ready dict: ``device``, ``versions``, ``date``, ``settings``, ``notes``,
    ``cases`` and ``rows`` (one per case and variant, with ``status`` "ok" / "skipped" /
    "error", ``steps_per_s``, ``us_per_step``, ``vs_torch_eager``, ``vs_torch_cuda_graph``,
    ``reason`` / ``error`` / ``note``) and ``comparisons`` (each tf32 / mixed case over its
    float32 baseline, per variant).
    """
    import datetime

    import cuflow
    from cuflow.backend import parse_device

    device = cuflow.get_device() if device is None else parse_device(device)
    cases = [STEP_CASES[n] for n in resolve_models(models, device)]
    gpu = device.startswith("gpu")
    d_steps, d_warmup, d_rounds = DEFAULT_GPU_TIMING if gpu else DEFAULT_CPU_TIMING
    timing = (d_steps if steps is None else int(steps), d_warmup if warmup is None
              else int(warmup), d_rounds if rounds is None else int(rounds))
    if timing[0] < 1 or timing[1] < 0 or timing[2] < 1:
        raise ValueError(f"steps and rounds must be >= 1 and warmup >= 0, received steps="
                         f"{timing[0]}, warmup={timing[1]}, rounds={timing[2]}")
    notes = []
    torch_mod = None
    if torch:
        torch_mod, why = import_torch()
        if torch_mod is None:
            notes.append(f"PyTorch is not importable ({why}): torch variants left out")
    else:
        notes.append("PyTorch variants not requested")
    variants = [v for v in VARIANTS if torch_mod is not None or not v.startswith("torch")]
    result = {
        "benchmark": "training steps per second",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "device": {"name": device_name(device), "cuflow": device},
        "versions": versions(torch_mod),
        "settings": {"steps": timing[0], "warmup": timing[1], "rounds": timing[2],
                     "timer": EventClock.name if gpu else PerfClock.name,
                     "statistic": "median round"},
        "notes": notes,
        "cases": [c.as_dict() for c in cases],
        "rows": [],
        "comparisons": [],
    }
    for case in cases:
        for variant in variants:
            row = {"case": case.name, "variant": variant, "status": "ok", "steps_per_s": None,
                   "us_per_step": None}
            try:
                if variant.startswith("cuflow"):
                    rate, rates, note = cuflow_variant(case, variant, device, timing)
                else:
                    rate, rates, note = torch_variant(torch_mod, case, variant, device, timing)
            except Skip as skip:
                row.update(status="skipped", reason=str(skip))
            except Exception as exc:  # report it; keep measuring the others
                row.update(status="error", error=f"{type(exc).__name__}: {exc}")
            else:
                row.update(steps_per_s=rate, us_per_step=1e6 / rate,
                           round_steps_per_s=rates)
                if note:
                    row["note"] = note
            if gpu:  # the variant's model, optimizer state and graph are garbage now
                free_gpu_memory(torch_mod)
            result["rows"].append(row)
            add_ratios(result)
            if on_row is not None:
                on_row(row, result)
    add_ratios(result)
    result["comparisons"] = comparisons(result, cases)
    return result


def rate_of(result, case, variant):
    for row in result["rows"]:
        if row["case"] == case and row["variant"] == variant and row["status"] == "ok":
            return row["steps_per_s"]
    return None


def add_ratios(result):
    """Each row's ``vs_torch_eager`` / ``vs_torch_cuda_graph`` (None without both rates)."""
    for row in result["rows"]:
        for key, ref_variant in (("vs_torch_eager", "torch eager"),
                                 ("vs_torch_cuda_graph", "torch cuda graph")):
            ref = rate_of(result, row["case"], ref_variant)
            ok = row["status"] == "ok" and ref
            row[key] = row["steps_per_s"] / ref if ok else None


def comparisons(result, cases):
    """Each tf32 / mixed case's rate over its float32 baseline, per variant."""
    out = []
    for case in cases:
        if not case.baseline:
            continue
        for variant in VARIANTS:
            rate, base = rate_of(result, case.name, variant), rate_of(
                result, case.baseline, variant)
            if rate and base:
                out.append({"case": case.name, "baseline": case.baseline, "variant": variant,
                            "ratio": rate / base})
    return out
