"""All-reduce bandwidth between 2 MPI ranks on the CPU (the data-parallel gradient path), beside
the same machine's memory-copy bandwidth measured in the same run.

Run: python -m pytest benchmarks/bench_allreduce.py -s   (or python benchmarks/bench_allreduce.py)
It starts ``mpirun -n 2`` itself and skips when mpi4py or mpirun is missing. Figures also land
in $OUT/bench_allreduce.json. Bus bandwidth = 2 (n - 1) / n * bytes / time (the NCCL-tests
convention: what each link carries), so figures compare across rank counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

SIZES_MIB = (0.004, 0.0625, 1, 4, 16)
RANKS = 2


def _median_time(fn, min_time=0.2, max_reps=200):
    times = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_time and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def worker(out_path):
    """Each rank: time Allreduce (in place, float32) per size; rank 0 also times a memcpy of the
    same buffer (the reference) and writes the table."""
    import numpy as np
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rows = []
    for mib in SIZES_MIB:
        n = max(1, int(mib * 2**20) // 4)
        buf = np.ones(n, np.float32)
        dst = np.empty_like(buf)

        def reduce(buf=buf):
            comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)

        reduce()  # warm-up: connections, registration
        comm.Barrier()
        # every rank must run the same number of calls: rank 0 picks it and tells the others
        reps = comm.bcast(max(3, min(200, int(0.2 / max(_median_time(reduce, 0.05), 1e-6)))))
        comm.Barrier()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            reduce()
            times.append(time.perf_counter() - t0)
        t = sorted(times)[len(times) // 2]
        t = comm.allreduce(t, op=MPI.MAX)  # a collective is as slow as its slowest rank
        copy = _median_time(lambda buf=buf, dst=dst: np.copyto(dst, buf))
        nbytes = buf.nbytes
        bus = 2 * (comm.size - 1) / comm.size * nbytes / t
        rows.append({"bytes": nbytes, "allreduce_s": t, "bus_GBps": bus / 1e9,
                     "memcpy_GBps": nbytes / copy / 1e9, "ratio_vs_memcpy": bus * copy / nbytes})
    if comm.rank == 0:
        with open(out_path, "w") as f:
            json.dump({"ranks": comm.size, "rows": rows}, f, indent=2)


def run_job():
    """Start the 2-rank job; returns the table, or (None, reason) when MPI is missing."""
    from cuflow.distribute._launch import mpi_missing_reason, mpirun_argv, mpirun_env

    reason = mpi_missing_reason()
    if reason:
        return None, reason
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "allreduce.json")
        argv = mpirun_argv(RANKS) + [sys.executable, __file__, "--worker", out]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                              env=mpirun_env())
        if proc.returncode != 0:
            raise RuntimeError(f"mpirun failed ({proc.returncode}):\n{proc.stdout}\n"
                               f"{proc.stderr}")
        with open(out) as f:
            return json.load(f), None


def format_table(result):
    lines = [f"MPI Allreduce (float32, in place), {result['ranks']} ranks on the CPU",
             f"{'size':>10} {'time':>10} {'bus GB/s':>9} {'memcpy GB/s':>12} {'ratio':>6}"]
    for r in result["rows"]:
        lines.append(f"{r['bytes']:>10} {r['allreduce_s'] * 1e6:>8.1f}us {r['bus_GBps']:>9.2f} "
                     f"{r['memcpy_GBps']:>12.2f} {r['ratio_vs_memcpy']:>6.2f}")
    return "\n".join(lines)


def test_allreduce_bandwidth(benchmark):
    import pytest

    result, reason = benchmark.pedantic(run_job, rounds=1, iterations=1)
    if result is None:
        pytest.skip(f"all-reduce benchmark needs MPI: {reason}")
    print("\n" + format_table(result))
    for r in result["rows"]:
        benchmark.extra_info[str(r["bytes"])] = r
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "bench_allreduce.json"), "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        table, why = run_job()
        print(format_table(table) if table else f"skipped: {why}")
