"""``cuflow bench``: training steps per second of fixed models beside PyTorch."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def bench_harness():
    """The measuring code behind ``cuflow bench``, imported on use.

    It is benchmark code, so it lives outside the package, in the repository's
    ``benchmarks/harness/``; the wheel ships a copy as the private ``cuflow._benchmarks``
    (pyproject's force-include, as for ``kernels/``). A source checkout imports it from there.
    """
    try:
        return importlib.import_module("cuflow._benchmarks")
    except ModuleNotFoundError as e:
        if e.name != "cuflow._benchmarks":
            raise
    root = Path(__file__).resolve().parents[3]
    harness = root / "benchmarks" / "harness"
    if not (harness / "__init__.py").is_file():
        raise ImportError(f"the benchmark harness is missing: no cuflow._benchmarks (installed "
                          f"wheels ship it) and no {harness} (a source checkout)")
    if str(root) not in sys.path:
        sys.path.append(str(root))
    module = importlib.import_module("benchmarks.harness")
    if Path(module.__file__).resolve().parent != harness:
        raise ImportError(f"'benchmarks.harness' resolves to {module.__file__}, not {harness}: "
                          f"another 'benchmarks' package comes first on sys.path")
    return module


def models_help():
    try:
        names = bench_harness().valid_model_names()
    except ImportError as e:  # the other commands work without the harness
        names = f"(unavailable: {e})"
    return (f"comma-separated cases or groups: {names} (default: all on a GPU; "
            f"mlp_small,cnn_b64 on the CPU)")


def run(args):
    import cuflow

    from .paths import writable_output

    if args.json:
        writable_output(args.json, "--json", (".json",))
    harness = bench_harness()
    if args.device is not None:
        cuflow.set_device(args.device)
    dev = cuflow.get_device()
    if args.fit:  # the MLP fit() throughput beside a hand-written step (the original table)
        rows = harness.mlp_table(dev, batch=args.batch_size, min_time=args.min_time)
        print(harness.format_table(
            f"MLP 784-256-128-10, Adam, batch {args.batch_size}, on {dev}", rows))
        if args.json:
            harness.write_json({"benchmark": "MLP fit samples per second", "device": dev,
                                "rows": [{"what": n, "samples_per_s": r, "vs_reference": q}
                                         for n, r, q in rows]}, args.json)
        return 0
    harness.resolve_models(args.models, dev)  # a bad name fails before any measuring

    def progress(row, result):
        rate = row.get("steps_per_s")
        what = f"{rate:,.1f} steps/s" if rate else row.get("reason") or row.get("error")
        print(f"  {row['case']} / {row['variant']}: {row['status']}, {what}", file=sys.stderr,
              flush=True)
        if args.json:  # keep partial results if the run is cut short
            harness.write_json(result, args.json)

    result = harness.step_benchmark(args.models, dev, steps=args.steps, warmup=args.warmup,
                                    rounds=args.rounds, torch=not args.no_torch,
                                    on_row=progress)
    print(harness.format_step_table(result))
    if args.json:
        harness.write_json(result, args.json)
        print(f"saved {args.json}")
    return 0
