"""Training speed of two cuflow source trees side by side, in one run: ``model.fit`` of the MLP
(784-256-128-10, batch 128, Adam) and the small CNN (32x32x3, Conv3x3(32)-MaxPool-Conv3x3(64)-
MaxPool-Dense128-Dense10, batch 64, Adam), both through the public Keras API only, so that any
two versions of cuflow can be compared (before / after a refactor).

Run: python benchmarks/compare_trees.py BEFORE_TREE AFTER_TREE [--rounds 5]
Each round runs every (workload, tree) pair in a fresh subprocess, alternating the trees, so a
change in machine load hits both; a pair reports samples/s of its fastest of 3 timed epochs after
one warm-up epoch. Printed: the median over rounds of each tree's samples/s and of the
after/before ratio within a round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import cuflow as cf
    from cuflow.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from cuflow.models import Sequential

    kind = sys.argv[1]
    rng = np.random.default_rng(0)
    if kind == "mlp":
        n, batch = 128 * 40, 128
        x = rng.standard_normal((n, 784)).astype("float32")
        y = rng.integers(0, 10, n)
        model = Sequential([Input((784,)), Dense(256, activation="relu"),
                            Dense(128, activation="relu"), Dense(10)])
    else:
        n, batch = 64 * 12, 64
        x = rng.standard_normal((n, 32, 32, 3)).astype("float32")
        y = rng.integers(0, 10, n)
        model = Sequential([Input((32, 32, 3)), Conv2D(32, 3, activation="relu"),
                            MaxPooling2D(2), Conv2D(64, 3, activation="relu"), MaxPooling2D(2),
                            Flatten(), Dense(128, activation="relu"), Dense(10)])
    model.compile(optimizer="adam",
                  loss=cf.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"samples_per_s": n / min(times)}))
""")


def run(tree, kind):
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.abspath(tree), "src"),
               CUFLOW_DEVICE="cpu")
    out = subprocess.run([sys.executable, "-c", CHILD, kind], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["samples_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{'workload':8s} {'before samples/s':>17s} {'after samples/s':>16s} "
          f"{'after/before':>13s}  (median of {args.rounds} rounds)")
    for kind in ("mlp", "cnn"):
        before, after, ratios = [], [], []
        for i in range(args.rounds):
            pair = [(args.before, before), (args.after, after)]
            for tree, sink in (pair if i % 2 == 0 else pair[::-1]):
                sink.append(run(tree, kind))
            ratios.append(after[-1] / before[-1])
        print(f"{kind:8s} {statistics.median(before):17.0f} {statistics.median(after):16.0f} "
              f"{statistics.median(ratios):13.3f}  (ratios {min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    main()
