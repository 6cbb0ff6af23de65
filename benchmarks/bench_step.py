"""Training steps per second: cuflow eager vs captured (CUDA graph) vs PyTorch eager vs PyTorch
CUDA graph, same models, same run (the measuring lives in ``harness/``; ``cuflow
bench`` prints the same table).

Models: MLP 784-256-128-10 batch 128; MLP 1024-4096-4096-4096-1000 batch 4096 in float32, TF32
and mixed_float16; CNN Conv3x3(32)-MaxPool-Conv3x3(64)-MaxPool-Dense128-Dense10 on 32x32x3,
batch 64 and 256; all with Adam. On a GPU every case, timed with CUDA events after warm-up; on
the CPU a small default (mlp_small, cnn_b64) timed with perf_counter, CUDA-graph variants
reported as skipped.

Run: python -m pytest benchmarks/bench_step.py -s    (table printed; JSON in $OUT/bench_step.json)
Environment: CUFLOW_BENCH_MODELS (e.g. "mlp_small,cnn"), CUFLOW_BENCH_STEPS.
"""

from __future__ import annotations

import os

from . import harness


def test_training_steps_per_second(benchmark):
    steps = os.environ.get("CUFLOW_BENCH_STEPS")
    kwargs = {"models": os.environ.get("CUFLOW_BENCH_MODELS") or None,
              "steps": int(steps) if steps else None}
    result = benchmark.pedantic(harness.step_benchmark, kwargs=kwargs, rounds=1,
                                iterations=1)
    print("\n" + harness.format_step_table(result))
    benchmark.extra_info["device"] = result["device"]
    benchmark.extra_info["rows"] = result["rows"]
    out = os.environ.get("OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        harness.write_json(result, os.path.join(out, "bench_step.json"))
    assert result["rows"], "no variant was measured"
