"""``python -m benchmarks.pace [--workloads mlp,cnn] [--rounds N] [--json PATH]``

Per round and workload, each framework runs in a fresh process (cuflow, hand-written NumPy,
PyTorch eager when importable), in an order that alternates between rounds. Printed per workload:
the median over rounds of samples/s and of the ratios cuflow/PyTorch, cuflow/NumPy measured
within one round, the worst other-process load seen during a timed epoch, and the final losses.

cuflow's CPU backend fixes glibc's malloc thresholds (``backend/numpy/malloc_tuning.py``); the
"+malloc" rows run the hand-written NumPy step and PyTorch with the same thresholds (glibc's
``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_``), so the framework itself is compared too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

from . import workloads as wl

FRAMEWORKS = ("cuflow", "numpy", "numpy+malloc", "torch", "torch+malloc")
REFERENCES = ("torch", "torch+malloc", "numpy", "numpy+malloc")
_TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(256 << 20), "MALLOC_TRIM_THRESHOLD_": str(512 << 20)}


def child(kind, framework):
    env = dict(os.environ, CUFLOW_DEVICE="cpu")
    if framework.endswith("+malloc"):
        framework = framework[:-len("+malloc")]
        env.update(_TUNED_MALLOC)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(root, "src"), root,
                                         env.get("PYTHONPATH", "")])
    code = ("import json, sys; from benchmarks.pace.runners import RUNNERS; "
            "print(json.dumps(RUNNERS[sys.argv[2]](sys.argv[1])))")
    out = subprocess.run([sys.executable, "-c", code, kind, framework], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # null when torch is not importable


def measure(kinds, rounds):
    results = {k: [] for k in kinds}
    for r in range(rounds):
        order = FRAMEWORKS if r % 2 == 0 else FRAMEWORKS[::-1]
        for kind in kinds:
            row = {fw: child(kind, fw) for fw in order}
            results[kind].append(row)
            print(f"round {r + 1} {kind}: " + ", ".join(
                f"{fw} {wl.WORKLOADS[kind]['samples'] / v['epoch_s']:,.0f}/s"
                for fw, v in row.items() if v), file=sys.stderr)
    return results


def summarize(results):
    out = {}
    for kind, rows in results.items():
        n = wl.WORKLOADS[kind]["samples"]
        s = {}
        for fw in FRAMEWORKS:
            vals = [r[fw] for r in rows if r.get(fw)]
            if not vals:
                continue
            s[fw] = {"samples_per_s": statistics.median(n / v["epoch_s"] for v in vals),
                     "final_loss": vals[-1]["final_loss"],
                     "max_other_load_cores": max((x for v in vals for x in v["other_load_cores"][1:]
                                                  if x is not None), default=None)}
        for ref in REFERENCES:
            pairs = [r[ref]["epoch_s"] / r["cuflow"]["epoch_s"] for r in rows if r.get(ref)]
            if pairs:
                s[f"cuflow_over_{ref}"] = statistics.median(pairs)
                s[f"cuflow_over_{ref}_rounds"] = pairs
        out[kind] = s
    return out


def format_summary(summary, rounds):
    cpu = platform.processor() or platform.machine()
    lines = [f"CPU training pace, {os.cpu_count()} cores, {cpu}, median of {rounds} round(s); "
             f"each round: 1 warm-up + 3 timed epochs, median epoch"]
    for kind, s in summary.items():
        spec = wl.WORKLOADS[kind]
        lines.append(f"\n{kind}: batch {spec['batch']}, {spec['samples']} samples/epoch")
        lines.append(f"  {'framework':14s} {'samples/s':>11s} {'final loss':>11s} "
                     f"{'other load':>11s}")
        for fw in FRAMEWORKS:
            if fw in s:
                v = s[fw]
                load = v["max_other_load_cores"]
                lines.append(f"  {fw:14s} {v['samples_per_s']:11,.0f} {v['final_loss']:11.5f} "
                             f"{'-' if load is None else f'{load:.2f} cores':>11s}")
        for ref in REFERENCES:
            if f"cuflow_over_{ref}" in s:
                rounds = ", ".join(f"{x:.2f}" for x in s[f"cuflow_over_{ref}_rounds"])
                lines.append(f"  cuflow / {ref}: {s[f'cuflow_over_{ref}']:.2f}x "
                             f"(rounds: {rounds})")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.pace", description=__doc__)
    p.add_argument("--workloads", default="mlp,cnn")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    kinds = [k.strip() for k in a.workloads.split(",") if k.strip()]
    bad = [k for k in kinds if k not in wl.WORKLOADS]
    if bad:
        p.error(f"unknown workload(s) {bad}; expected some of {sorted(wl.WORKLOADS)}")
    results = measure(kinds, a.rounds)
    summary = summarize(results)
    print(format_summary(summary, a.rounds))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": summary, "rounds": results}, f, indent=1)


if __name__ == "__main__":
    main()
