"""fit() throughput on the MLP 784-256-128-10 (ReLU, softmax, sparse CE, Adam, batch 128),
beside a hand-written NumPy/CuPy step and PyTorch eager measured in the same run.

Run: python -m pytest benchmarks/bench_mlp.py -s   (figures also land in $OUT/bench_mlp.json)
"""

from __future__ import annotations

import os

import pytest

from cuflow.testing import gpu_available

from . import harness

DEVICES = ["cpu"] + (["gpu:0"] if gpu_available() else [])


@pytest.mark.parametrize("device", DEVICES)
def test_mlp_fit_throughput(benchmark, device):
    rows = benchmark.pedantic(harness.mlp_table, args=(device,),
                              kwargs={"batch": 128, "min_time": 1.5}, rounds=1, iterations=1)
    table = harness.format_table(f"MLP 784-256-128-10, Adam, batch 128, {device}", rows)
    print("\n" + table)
    for name, rate, ratio in rows:
        benchmark.extra_info[name] = {"samples_per_s": rate, "ratio_vs_reference": ratio}
    out = os.environ.get("OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, f"bench_mlp_{device.replace(':', '')}.json")
        harness.write_json({"device": device, "rows": rows}, path)
